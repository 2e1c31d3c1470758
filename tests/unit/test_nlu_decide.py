"""Decision rule, emergency detector and calibration file: pure, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.nlu.calibration import Calibration, LangThresholds, dump_calibration, load_calibration, save_calibration
from ivr.nlu.emergency import detect_emergency
from ivr.nlu.index import Weights
from ivr.nlu.matcher import decide
from ivr.nlu.types import Candidate, Decision

TH = LangThresholds(threshold=0.6, margin=0.05, emergency=0.4)
EMERG = frozenset({"emergency"})


def _c(*pairs: tuple[str, float]) -> tuple[Candidate, ...]:
    return tuple(Candidate(i, s) for i, s in pairs)


@pytest.mark.parametrize(
    ("ranked", "alarm", "expected"),
    [
        (_c(("passport", 0.8), ("id_card", 0.6)), False, (Decision.ANSWER, "passport")),
        (_c(("passport", 0.8), ("id_card", 0.78)), False, (Decision.CLARIFY, "passport")),
        (_c(("passport", 0.5), ("id_card", 0.3)), False, (Decision.ABSTAIN, None)),
        (_c(("passport", 0.9), ("id_card", 0.3)), True, (Decision.EMERGENCY, "emergency")),
        (_c(("emergency", 0.45), ("library", 0.3)), False, (Decision.EMERGENCY, "emergency")),
        (_c(("street_issue_report", 0.7), ("emergency", 0.65)), False, (Decision.EMERGENCY, "emergency")),
        (_c(("emergency", 0.35), ("library", 0.3)), False, (Decision.ABSTAIN, None)),
        ((), False, (Decision.ABSTAIN, None)),
    ],
)
def test_decide(ranked: tuple[Candidate, ...], alarm: bool, expected: tuple[Decision, str | None]) -> None:
    assert decide(ranked, TH, alarm=alarm, emergency_ids=EMERG) == expected


@pytest.mark.parametrize(
    "text",
    [
        "il y a le feu chez moi", "il y a un incendi dans mon immeuble", "mon mari respir plu",
        "au secour", "ausecours venez vite", "crise cardiac", "ça sent le gaz dans l'escalier",
        "quelqu'un s'est fait poignarder", "un accident il y a des blessés", "my house is on fire",
        "he is not breathin", "I want to kill myself",
    ],
)
def test_alarm_catches_garbled_emergencies(text: str) -> None:
    assert detect_emergency(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "le feu rouge est cassé au carrefour", "aide pour payer ma facture de gaz", "incident sur la voirie",
        "je suis commerçant ambulant", "parlez plus fort je vous entends mal", "I need a flu shot",
        "can you help me with my passport", "mon père est mort je dois déclarer le décès",
    ],
)
def test_alarm_ignores_harmless_lookalikes(text: str) -> None:
    assert detect_emergency(text) is None


def test_calibration_round_trip(tmp_path: Path) -> None:
    cal = Calibration(Weights(embed=0.7, fuzzy=0.1, keywords=0.2, top_k=4), {"fr": TH, "en": TH}, "abc")
    path = tmp_path / "calibration.toml"
    save_calibration(cal, path, "a comment")
    assert load_calibration(path) == Calibration(cal.weights, load_calibration(path).langs, "abc")
    assert load_calibration(path).for_lang("en") == TH
    assert load_calibration(tmp_path / "missing.toml") == Calibration()
    assert "[fr]" in dump_calibration(cal)
