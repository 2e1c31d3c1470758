"""The text evaluation's rates: what counts as routed right."""

from __future__ import annotations

from ivr.nlu.evaluate import EvalItem, evaluate
from ivr.nlu.types import Candidate, Decision, MatchResult


class _Table:
    """Answers from a fixed table (the rates are pure arithmetic over the verdicts)."""

    def __init__(self, verdicts: dict[str, MatchResult]) -> None:
        self._verdicts = verdicts

    def match(self, text: str, lang: str, *, confirm_floor: float | None = None) -> MatchResult:
        return self._verdicts[text]


def _result(decision: Decision, intent: str | None) -> MatchResult:
    cands = (Candidate(intent, 0.9),) if intent else ()
    return MatchResult(decision, intent if decision is not Decision.ABSTAIN else None, 0.9, "fr", cands)


def test_an_emergency_sent_down_the_emergency_path_is_routed_right() -> None:
    items = [
        EvalItem("fr", "passport", "a"),
        EvalItem("fr", "emergency", "b"),
        EvalItem("fr", "emergency", "c"),
        EvalItem("fr", "id_card", "d"),
        EvalItem("fr", "OOS", "e"),
    ]
    matcher = _Table({
        "a": _result(Decision.ANSWER, "passport"),
        "b": _result(Decision.EMERGENCY, "emergency"),
        "c": _result(Decision.ANSWER, "id_card"),  # a missed emergency is not right
        "d": _result(Decision.CONFIRM, "id_card"),
        "e": _result(Decision.ABSTAIN, None),
    })
    report, _ = evaluate(matcher, items)
    assert report.right_total == 3 / 4
    assert report.emergency_recall == 1 / 2
    assert report.answered_correct == 1 / 4
    assert report.confirmed_right == 1 / 4
    assert report.wrong_answer == 1 / 5
    assert report.oos_abstain == 1.0
