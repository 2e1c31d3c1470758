"""What the store hands out: frozen records and the enumerations stored as text (never ORM objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ivr.enums import Outcome as Outcome  # re-exported: the store's readers import it from here
from ivr.enums import Speaker as Speaker


class CallbackStatus(StrEnum):
    """Life of a callback request."""

    PENDING = "pending"
    DIALLING = "dialling"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SmsStatus(StrEnum):
    """Life of an outgoing SMS."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Role(StrEnum):
    """Web console roles, least to most powerful."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One line of a call's transcript."""

    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class CallSummary:
    """A call as listed on dashboards and by ``ivr calls list`` (no caller number)."""

    id: str
    channel_id: str
    started_at: datetime
    ended_at: datetime | None
    lang: str
    outcome: str | None
    service: str | None
    summary: str | None
    intents: tuple[str, ...] = ()
    """Intent ids in the order they were recognised."""
    transcript: tuple[TranscriptLine, ...] = ()
    node: str | None = None
    """The media node that took the call (a cluster has several)."""

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (``None`` while live)."""
        return None if self.ended_at is None else (self.ended_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_s": self.duration_s,
            "lang": self.lang,
            "outcome": self.outcome,
            "service": self.service,
            "summary": self.summary,
            "intents": list(self.intents),
            "transcript": [{"speaker": t.speaker, "text": t.text} for t in self.transcript],
            "node": self.node,
        }


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One turn of a call."""

    call_id: str
    seq: int
    at: datetime
    speaker: str
    text: str | None
    intent: str | None
    decision: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One stored entry of a call's event stream."""

    call_id: str
    at: datetime
    kind: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class CallDetail:
    """Everything stored about one call (includes personal data: agent and admin views only)."""

    call: CallSummary
    caller_number: str | None
    turns: tuple[TurnRecord, ...]
    events: tuple[EventRecord, ...]


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A caller's words the matcher abstained on: material for the knowledge base."""

    call_id: str
    at: datetime
    text: str
    lang: str
    score: float | None


@dataclass(frozen=True, slots=True)
class HourCount:
    """Calls started in one local hour."""

    hour: datetime
    """Start of the hour, in the dashboard's time zone."""
    calls: int


@dataclass(frozen=True, slots=True)
class DashboardStats:
    """Counts over a period ``[start, end)``."""

    start: datetime
    end: datetime
    calls: int
    live: int
    by_outcome: Mapping[str, int]
    by_service: Mapping[str, int]
    by_lang: Mapping[str, int]
    by_hour: tuple[HourCount, ...]
    avg_duration_s: float | None
    callbacks: Mapping[str, int]
    """Callbacks created in the period, per status."""
    callbacks_pending: int
    """Callbacks waiting now (whenever created)."""
    sms: Mapping[str, int]
    """SMS created in the period, per status."""

    @property
    def resolved_rate(self) -> float | None:
        """Share of finished calls the bot resolved alone."""
        finished = sum(self.by_outcome.values())
        return None if not finished else self.by_outcome.get(Outcome.RESOLVED, 0) / finished


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A web console account."""

    id: int
    name: str
    role: str
    password_hash: str
    created_at: datetime
    active: bool
    session_version: int = 0
    """Bumped at logout and password change: cookies carrying an older version are refused."""


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """A request to be called back."""

    id: int
    call_id: str | None
    number: str
    service: str
    lang: str
    summary: str
    not_before: datetime
    status: str
    attempts: int
    last_attempt_at: datetime | None
    outcome: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SmsRecord:
    """One outgoing SMS."""

    id: int
    call_id: str | None
    number: str
    text: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    message_id: str | None


@dataclass(frozen=True, slots=True)
class PendingCallback:
    """A callback this caller asked for and is still waiting for."""

    id: int
    service: str
    not_before: datetime


@dataclass(frozen=True, slots=True)
class CallerMemory:
    """What the bot remembers about a caller at the start of a call."""

    pending: PendingCallback | None = None
    recent_intent: str | None = None
    """What they called about within 48 hours (the last answered or handed-on request)."""
    recent_calls: tuple[str, ...] = ()
    """Their calls within 48 hours, newest first (the agent console shows them)."""

    @property
    def empty(self) -> bool:
        """Nothing worth saying."""
        return self.pending is None and self.recent_intent is None
