"""The three decision bands: the rule the matcher applies, and the fit that chooses its thresholds."""

from __future__ import annotations

import numpy as np

from ivr.nlu.bands import Bands, Ranked, cross_validated, fit_bands, outcome, trade_off
from ivr.nlu.calibration import LangThresholds
from ivr.nlu.matcher import decide
from ivr.nlu.types import Candidate, Decision

TH = LangThresholds(threshold=0.70, margin=0.03, emergency=0.45, confirm=0.55)
NONE = frozenset({"emergency"})


def verdict(*cands: tuple[str, float]) -> tuple[Decision, str | None]:
    return decide([Candidate(i, s) for i, s in cands], TH, alarm=False, emergency_ids=NONE)


def test_answer_confirm_abstain_by_score() -> None:
    assert verdict(("room_rental", 0.75), ("market", 0.40)) == (Decision.ANSWER, "room_rental")
    assert verdict(("room_rental", 0.62), ("market", 0.40)) == (Decision.CONFIRM, "room_rental")
    assert verdict(("room_rental", 0.50), ("market", 0.40)) == (Decision.ABSTAIN, None)


def test_two_close_candidates_are_clarified_in_either_band_and_emergencies_come_first() -> None:
    assert verdict(("passport", 0.80), ("id_card", 0.79)) == (Decision.CLARIFY, "passport")
    assert verdict(("passport", 0.60), ("id_card", 0.59)) == (Decision.CLARIFY, "passport")
    assert verdict(("passport", 0.50), ("id_card", 0.49)) == (Decision.ABSTAIN, None)
    assert verdict(("emergency", 0.50), ("health_centre", 0.49)) == (Decision.EMERGENCY, "emergency")


def test_without_a_fitted_band_nothing_is_confirmed() -> None:
    old = LangThresholds(threshold=0.62, margin=0.1, emergency=0.3)
    ranked = [Candidate("room_rental", 0.61), Candidate("market", 0.3)]
    assert decide(ranked, old, alarm=False, emergency_ids=NONE) == (Decision.ABSTAIN, None)


def _questions(seed: int = 3) -> Ranked:
    """Right guesses score high, wrong ones and out-of-scope questions lower, with some overlap."""
    rng = np.random.default_rng(seed)
    n_right, n_wrong, n_oos = 400, 60, 120
    expected = np.concatenate([np.arange(n_right) % 20, np.arange(n_wrong) % 20, -np.ones(n_oos, dtype=np.int64)])
    top = np.concatenate([np.arange(n_right) % 20, (np.arange(n_wrong) + 1) % 20, np.zeros(n_oos, dtype=np.int64)])
    s1 = np.concatenate([rng.uniform(0.55, 0.95, n_right), rng.uniform(0.40, 0.68, n_wrong),
                         rng.uniform(0.30, 0.60, n_oos)])
    second = (top + 2) % 20
    return Ranked(expected.astype(np.int64), top.astype(np.int64), second.astype(np.int64), s1, s1 - 0.2)


def test_fitted_band_turns_abstentions_into_confirmations_without_wrong_answers() -> None:
    r = _questions()
    bands, _ = fit_bands(r, set())
    assert bands.confirm < bands.threshold
    fitted = cross_validated(r, set())
    assert fitted["wrong"] <= 0.02
    no_band = outcome(r, Bands(bands.threshold, bands.threshold, bands.margin))
    assert int(no_band.confirmed.sum()) == 0
    assert fitted["answered_right"] + fitted["confirmed_right"] > float(
        (no_band.answered & (r.top == r.expected)).sum()) / 460


def test_trade_off_rows_show_more_turns_for_deeper_bands() -> None:
    rows = [row for row in trade_off(_questions(), set(), 0.0) if row["threshold"] == 0.7]
    turns = [row["turns_added"] for row in sorted(rows, key=lambda row: -row["confirm"])]
    assert turns == sorted(turns) and turns[-1] > turns[0]
    assert len({row["wrong"] for row in rows}) == 1


def test_questions_nearest_the_out_of_scope_examples_are_never_answered_nor_confirmed() -> None:
    r = _questions()
    blocked = np.zeros(len(r.s1), dtype=bool)
    blocked[::3] = True
    o = outcome(Ranked(r.expected, r.top, r.second, r.s1, r.s2, blocked), Bands(0.6, 0.4, 0.0))
    assert not (o.answered | o.confirmed | o.clarified)[blocked].any()
    assert o.abstained[blocked].all()
