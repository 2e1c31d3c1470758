"""The knowledge base as typed, frozen values (what the loader returns and the matcher reads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from pathlib import Path

from ivr.errors import KnowledgeError

LANGS: tuple[str, ...] = ("fr", "en")
"""Languages every intent must cover, French first."""

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class IntentKind(StrEnum):
    """What the bot does with an intent once it is recognised."""

    ANSWER = "answer"
    TRANSFER = "transfer"
    CALLBACK = "callback"
    EMERGENCY = "emergency"
    DIALOG = "dialog"


class Severity(StrEnum):
    """Errors stop a knowledge base from loading; warnings are only printed."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One problem found in the knowledge files, with where it is."""

    path: Path
    line: int
    """1-based line number (0 when the problem concerns a whole file)."""
    field: str
    """Dotted field path, e.g. ``answer.fr.voice`` or ``utterances.fr[3]``."""
    message: str
    severity: Severity = Severity.ERROR

    def format(self, root: Path | None = None) -> str:
        """``file:line: field: message`` (the path relative to ``root`` when possible)."""
        shown: Path | str = self.path
        if root is not None:
            try:
                shown = self.path.relative_to(root)
            except ValueError:
                shown = self.path
        tag = "" if self.severity is Severity.ERROR else "warning: "
        return f"{shown}:{self.line}: {self.field}: {tag}{self.message}"


class KnowledgeLintError(KnowledgeError):
    """The knowledge base has errors; ``issues`` lists all of them (warnings included)."""

    code = "knowledge_lint"

    def __init__(self, issues: list[LintIssue]) -> None:
        errors = [i for i in issues if i.severity is Severity.ERROR]
        first = errors[0].format() if errors else "no details"
        super().__init__(f"{len(errors)} error(s) in the knowledge base; first: {first}")
        self.issues = issues


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot says (voice) or writes (chat), with facts already substituted."""

    voice: str
    chat: str


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What the bot offers after answering."""

    offer: str = "none"
    """``sms`` (text the link), ``transfer`` (offer a human) or ``none``."""
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing a caller may want."""

    id: str
    service: str
    kind: IntentKind
    reviewed: date
    utterances: Mapping[str, tuple[str, ...]]
    answers: Mapping[str, Answer]
    follow_up: FollowUp = field(default_factory=FollowUp)


@dataclass(frozen=True, slots=True)
class Service:
    """A city service (a queue), with its opening hours."""

    id: str
    name: Mapping[str, str]
    hours: Mapping[str, tuple[tuple[time, time], ...]]
    """Weekday (``mon`` .. ``sun``) -> opening slots; a missing or empty day is closed."""
    closures: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Everything the bot knows, validated."""

    intents: Mapping[str, Intent]
    services: Mapping[str, Service]
    facts: Mapping[str, Mapping[str, str]]
    """Fact name -> language -> text (language-independent facts repeat the same text)."""
    version: str
    """A hash of the files' content: equal versions mean equal knowledge."""
