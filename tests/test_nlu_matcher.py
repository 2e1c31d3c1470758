"""Decision rule, emergency detector, calibration file, and the real matcher on the sample knowledge."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.nlu.calibration import Calibration, LangThresholds, dump_calibration, load_calibration, save_calibration
from ivr.nlu.emergency import detect_emergency
from ivr.nlu.evaluate import evaluate, read_eval
from ivr.nlu.index import Weights
from ivr.nlu.kb import load_knowledge
from ivr.nlu.matcher import HybridMatcher, build_matcher, decide
from ivr.nlu.model import KnowledgeBase
from ivr.nlu.types import Candidate, Decision
from ivr.nlu.vocabulary import vocabulary

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
CALIBRATION = KNOWLEDGE / "calibration.toml"
EVAL = ROOT / "tests" / "data" / "kb_eval.tsv"
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


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> HybridMatcher:
    built = build_matcher(kb, CALIBRATION)
    assert isinstance(built, HybridMatcher)
    return built


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [
        ("je voudrais refaire mon passeport", "fr", "passport"),
        ("a quelle heure ferme la mairie le samedi", "fr", "city_hall_hours"),
        ("quand est ce que passe le camion poubelle", "fr", "waste_collection"),
        ("c est quoi le menu de la cantine cette semaine", "fr", "school_canteen"),
        ("I need to renew my passport", "en", "passport"),
        ("what time does the swimming pool open", "en", "swimming_pool"),
    ],
)
def test_clear_questions_are_answered(matcher: HybridMatcher, text: str, lang: str, intent: str) -> None:
    result = matcher.match(text, lang)
    assert (result.decision, result.intent) == (Decision.ANSWER, intent), result
    assert result.candidates[0].intent == intent and result.lang == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [("quel temps fera-t-il ce week-end à la montagne", "fr"), ("can you recommend a pizza place", "en"), ("", "fr")],
)
def test_out_of_scope_abstains(matcher: HybridMatcher, text: str, lang: str) -> None:
    result = matcher.match(text, lang)
    assert (result.decision, result.intent) == (Decision.ABSTAIN, None), result


@pytest.mark.parametrize(
    ("text", "lang"), [("y a le fe dans la cuisine", "fr"), ("vite mon pere respir plu", "fr"), ("fire fire", "en")]
)
def test_garbled_emergency_is_never_a_faq(matcher: HybridMatcher, text: str, lang: str) -> None:
    result = matcher.match(text, lang)
    assert (result.decision, result.intent) == (Decision.EMERGENCY, "emergency"), result


def test_vocabulary_lists_city_words(kb: KnowledgeBase) -> None:
    words = vocabulary(kb)
    assert "État civil" in words
    assert any(w.startswith("rue ") or w.startswith("place ") for w in words)
    assert 20 <= len(words) <= 120
    assert len({w.lower() for w in words}) == len(words)


@pytest.mark.slow
def test_held_out_eval_meets_targets(matcher: HybridMatcher) -> None:
    report, _ = evaluate(matcher, read_eval(EVAL))
    assert report.n >= 500
    assert report.top1 >= 0.90
    assert report.wrong_answer <= 0.03
    assert report.oos_abstain >= 0.90
    assert report.emergency_recall == 1.0
