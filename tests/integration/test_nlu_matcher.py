"""The real matcher on the sample knowledge."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.nlu.evaluate import evaluate, read_eval
from ivr.nlu.kb import load_knowledge
from ivr.nlu.matcher import HybridMatcher, build_matcher
from ivr.nlu.model import KnowledgeBase
from ivr.nlu.types import Decision
from ivr.nlu.vocabulary import vocabulary

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
CALIBRATION = KNOWLEDGE / "calibration.toml"
EVAL = ROOT / "tests" / "data" / "kb_eval.tsv"


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
