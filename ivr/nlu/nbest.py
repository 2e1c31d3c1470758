"""Several readings of one utterance (the recogniser's beam): keep the one the matcher is most sure of.

Whisper's beam search already holds a few hypotheses; they differ where the audio was unclear ("ma carte
des lacteurs" / "ma carte d'électeurs"). Matching each and keeping the surest costs a few milliseconds of
matching, no recognition time. The first hypothesis (the recogniser's own favourite) wins ties, and an
emergency found in any reading wins over everything: a missed emergency costs more than a false alarm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ivr.nlu.types import Decision, MatchResult

_RANK = {Decision.EMERGENCY: 3, Decision.ANSWER: 2, Decision.CONFIRM: 1, Decision.CLARIFY: 1, Decision.ABSTAIN: 0}


def best_reading(
    match: Callable[[str, str], MatchResult], text: str, alternatives: Sequence[str], lang: str
) -> tuple[str, MatchResult]:
    """The reading (``text`` or one of ``alternatives``) with the surest verdict, and that verdict."""
    best_text, best = text, match(text, lang)
    for other in alternatives:
        if not other.strip() or other == text:
            continue
        result = match(other, lang)
        if (_RANK[result.decision], result.score) > (_RANK[best.decision], best.score):
            best_text, best = other, result
    return best_text, best
