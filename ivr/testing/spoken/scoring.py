"""What became of each spoken question, and the per-voice table: pure, tested without models.

Outcomes, from the caller's side:
- ``right``: the bot answers the expected intent at once (an emergency sent down the emergency path; an
  out-of-scope question the bot declines to answer);
- ``confirmed``: the bot asks before answering (a confirm or a "this or that" question) and the expected
  intent is what it proposes, so a "yes" gets the caller the right answer;
- ``abstained``: the bot neither answers nor proposes the expected intent (re-prompt, then a person);
- ``wrong``: the bot answers another intent, or answers an out-of-scope question, or misses an emergency
  by answering something else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ivr.nlu.types import Decision, MatchResult
from ivr.testing.spoken.corpus import OOS

OUTCOMES = ("right", "confirmed", "abstained", "wrong")
EMERGENCY = "emergency"
_ANSWERED = {Decision.ANSWER.value, Decision.EMERGENCY.value}


def outcome(expected: str, result: MatchResult) -> str:
    """One of :data:`OUTCOMES` for a question whose intent is ``expected`` (``OOS``: must not be answered)."""
    decision = str(result.decision.value)
    ranked = [c.intent for c in result.candidates]
    if decision == Decision.EMERGENCY.value:
        return "right" if expected == EMERGENCY else "wrong"
    if decision in _ANSWERED:
        if expected == OOS:
            return "wrong"
        return "right" if result.intent == expected else "wrong"
    if decision == Decision.ABSTAIN.value:
        return "right" if expected == OOS else "abstained"
    # confirm ("X, c'est bien ça ?") or clarify ("A ou B ?"): the caller says yes to what they meant
    if expected == OOS:
        return "abstained"  # a question was asked, a "no" follows: one turn lost, no wrong answer
    proposed = ranked[:2] if decision == Decision.CLARIFY.value else [result.intent or (ranked or [""])[0]]
    return "confirmed" if expected in proposed else "abstained"


@dataclass(frozen=True, slots=True)
class Row:
    """One recognised rendering."""

    lang: str
    voice: str
    condition: str
    """Telephone condition label (``ulaw-6dB-street12``)."""
    expected: str
    text: str
    heard: str
    decision: str
    intent: str | None
    outcome: str
    top1: bool
    """The matcher's first candidate is the expected intent (whatever its decision): ASR settings' yardstick."""
    cpu_s: float


def table(rows: list[Row], key: str = "voice") -> dict[str, dict[str, Any]]:
    """Rates per ``key`` value and ``all``, in-scope and out-of-scope apart (rates in [0, 1]).

    ``oos_abstain`` is None for a group without out-of-scope renderings (no rate, rather than a false 0 %).
    """
    groups: dict[str, list[Row]] = {"all": rows}
    for r in rows:
        groups.setdefault(str(getattr(r, key)), []).append(r)
    out: dict[str, dict[str, Any]] = {}
    for name, rs in groups.items():
        inscope = [r for r in rs if r.expected != OOS]
        oos = [r for r in rs if r.expected == OOS]
        counts = Counter(r.outcome for r in inscope)
        n = len(inscope) or 1
        out[name] = {
            "n": len(rs),
            "in_scope": len(inscope),
            **{o: round(counts[o] / n, 4) for o in OUTCOMES},
            "routed": round((counts["right"] + counts["confirmed"]) / n, 4),
            "top1": round(sum(r.top1 for r in inscope) / n, 4),
            "oos": len(oos),
            "oos_abstain": round(sum(r.outcome != "wrong" for r in oos) / len(oos), 4) if oos else None,
            "wrong_all": round(sum(r.outcome == "wrong" for r in rs) / (len(rs) or 1), 4),
        }
    return out
