"""Choosing among the recogniser's hypotheses: the surest verdict, the first one on ties, emergencies first."""

from __future__ import annotations

from ivr.nlu.nbest import best_reading
from ivr.nlu.types import Decision, MatchResult

VERDICTS = {
    "ma carte des lacteurs": MatchResult(Decision.ABSTAIN, None, 0.41, "fr"),
    "ma carte d'électeurs": MatchResult(Decision.ANSWER, "voter_registration", 0.78, "fr"),
    "ma carte électorale": MatchResult(Decision.CONFIRM, "voter_registration", 0.66, "fr"),
    "au feu": MatchResult(Decision.EMERGENCY, "emergency", 1.0, "fr"),
    "le passeport": MatchResult(Decision.ANSWER, "passport", 0.80, "fr"),
    "le passe port": MatchResult(Decision.ANSWER, "passport", 0.80, "fr"),
}
asked: list[str] = []


def match(text: str, lang: str) -> MatchResult:
    asked.append(text)
    return VERDICTS[text]


def test_an_alternative_the_matcher_is_surer_of_wins() -> None:
    text, verdict = best_reading(match, "ma carte des lacteurs", ["ma carte électorale", "ma carte d'électeurs"], "fr")
    assert (text, verdict.decision, verdict.intent) == ("ma carte d'électeurs", Decision.ANSWER, "voter_registration")


def test_the_first_reading_wins_ties_and_blank_or_repeated_ones_are_not_matched() -> None:
    asked.clear()
    text, _ = best_reading(match, "le passeport", ["", "le passeport", "le passe port"], "fr")
    assert text == "le passeport"
    assert asked == ["le passeport", "le passe port"]


def test_an_emergency_in_any_reading_wins() -> None:
    text, verdict = best_reading(match, "le passeport", ["au feu"], "fr")
    assert (text, verdict.decision) == ("au feu", Decision.EMERGENCY)


def test_without_alternatives_the_text_is_matched_once() -> None:
    asked.clear()
    assert best_reading(match, "ma carte électorale", [], "fr")[1].decision is Decision.CONFIRM
    assert asked == ["ma carte électorale"]
