"""What the matcher tells the dialog: typed, frozen, language-tagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Decision(StrEnum):
    """What the dialog should do with a caller's words."""

    ANSWER = "answer"
    """One intent is clearly meant: answer it (or transfer, for transfer intents)."""
    CONFIRM = "confirm"
    """The best intent is likely but not certain: ask "you are calling about X, is that right?"."""
    CLARIFY = "clarify"
    """Two intents are too close: ask which one."""
    ABSTAIN = "abstain"
    """Not sure: never guess; the dialog offers a human or a callback."""
    EMERGENCY = "emergency"
    """A life-threatening situation: the emergency path, never a FAQ."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One scored intent."""

    intent: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's verdict on one utterance."""

    decision: Decision
    intent: str | None
    """The chosen intent id (``None`` when abstaining; the one to confirm for ``confirm``)."""
    score: float
    lang: str
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    """Best first; for ``clarify`` the first two are the intents to choose between."""
