"""One call, one event stream: logs, the database, dashboards and tests all consume it.

Each kind of event is a frozen, slotted dataclass, as the ARI events are (:mod:`ivr.telephony.ari.events`):
the session and the dialog (:mod:`ivr.dialog.records`) build them, consumers ``match`` on them. A
:class:`CallEvent` wraps one with the call id, its sequence number and time. :func:`payload` derives the JSON
form from the fields, in this one place; the stored ``kind`` names and field names are those the database has
always held (only the two former ``transfer`` events became one ``handoff``). A field whose metadata says
``personal`` (the caller's words or number) is left out of INFO log lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ivr.call.history import EventHistory
from ivr.dialog.records import PERSONAL, DialogRecord
from ivr.enums import Outcome, Speaker
from ivr.nlu.types import Decision

log = logging.getLogger(__name__)


class HandoffReason(enum.StrEnum):
    """Why a call left the bot for a human."""

    QUEUE = "queue"
    """The dialog transferred the caller to a service's queue."""
    EMERGENCY = "emergency"
    """The caller was put through to the configured emergency number."""
    ERROR = "error"
    """The bot failed: human reception takes over."""
    OVERLOAD = "overload"
    """The bot was full: the call went to reception without a conversation."""


@dataclass(frozen=True, slots=True)
class Started:
    """The bot answered a call."""

    KIND: ClassVar[str] = "started"
    channel: str
    number: str = field(default="", metadata=PERSONAL)


@dataclass(frozen=True, slots=True)
class SpeechStart:
    """The caller started speaking (audio time of the call, seconds)."""

    KIND: ClassVar[str] = "speech_start"
    t: float


@dataclass(frozen=True, slots=True)
class SpeechEnd:
    """The caller stopped speaking (audio time of the call, seconds)."""

    KIND: ClassVar[str] = "speech_end"
    t: float


@dataclass(frozen=True, slots=True)
class BargeIn:
    """The caller spoke over a prompt, which stopped ``latency_s`` after the speech began."""

    KIND: ClassVar[str] = "barge_in"
    key: str | None
    latency_s: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """What the recogniser heard from the caller, and how long recognition took."""

    KIND: ClassVar[str] = "transcript"
    speaker: Speaker
    text: str = field(metadata=PERSONAL)
    asr_s: float
    eos_wait_s: float = 0.0
    """How long the end-of-speech decision waited after the caller stopped."""


@dataclass(frozen=True, slots=True)
class IntentMatched:
    """The matcher's verdict on one caller utterance."""

    KIND: ClassVar[str] = "intent"
    intent: str | None
    decision: Decision
    score: float
    text: str = field(metadata=PERSONAL)


@dataclass(frozen=True, slots=True)
class Said:
    """The bot starts speaking a prompt (``key``) or an answer (``answer:<intent>``)."""

    KIND: ClassVar[str] = "say"
    key: str
    lang: str
    interruptible: bool
    text: str = field(metadata=PERSONAL)
    """May quote the caller (summaries, confirmations): kept out of INFO logs."""

    @property
    def answered_intent(self) -> str | None:
        """The intent whose answer this is, for ``answer:<intent>`` keys."""
        prefix, _, intent = self.key.partition(":")
        return intent if prefix == "answer" and intent else None


@dataclass(frozen=True, slots=True)
class PromptStopped:
    """A prompt was cut short (barge-in) after ``played_s`` seconds."""

    KIND: ClassVar[str] = "prompt_stopped"
    key: str
    played_s: float


@dataclass(frozen=True, slots=True)
class RecognitionLate:
    """Recognition missed its deadline by ``after_s``: the caller is asked to repeat."""

    KIND: ClassVar[str] = "asr_late"
    after_s: float


@dataclass(frozen=True, slots=True)
class CallOverflowed:
    """The bot did not take the call (full): it goes ``to`` reception or a callback offer."""

    KIND: ClassVar[str] = "overflow"
    to: str
    reason: str
    predicted_s: float


@dataclass(frozen=True, slots=True)
class Handoff:
    """The call left the bot for a human: a service's queue, the emergency number, or reception on error."""

    KIND: ClassVar[str] = "handoff"
    service: str
    reason: HandoffReason
    summary: str = field(default="", metadata=PERSONAL)
    """What the agent sees (quotes the caller)."""
    intent: str | None = None


@dataclass(frozen=True, slots=True)
class CallbackScheduled:
    """A callback by ``service`` was booked, not before ``not_before``."""

    KIND: ClassVar[str] = "callback"
    service: str
    not_before: datetime
    reason: str | None = None
    """``overload`` when booked by the overflow desk rather than the dialog."""


@dataclass(frozen=True, slots=True)
class SmsQueued:
    """An SMS (with ``link``) was queued for the caller."""

    KIND: ClassVar[str] = "sms"
    link: str | None


@dataclass(frozen=True, slots=True)
class SmsFailed:
    """An SMS could not be queued."""

    KIND: ClassVar[str] = "sms_failed"
    code: str


@dataclass(frozen=True, slots=True)
class CallError:
    """Something failed in the call (``stage``: where, when not the whole call)."""

    KIND: ClassVar[str] = "error"
    code: str
    stage: str | None = None


@dataclass(frozen=True, slots=True)
class Hangup:
    """The call ended in the bot."""

    KIND: ClassVar[str] = "hangup"
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class AgentTranscript:
    """After a hand-off: what the agent or the caller said, for the agent's assist panel."""

    KIND: ClassVar[str] = "agent_transcript"
    speaker: Speaker
    text: str = field(metadata=PERSONAL)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An answer from the knowledge base suggested to the agent."""

    KIND: ClassVar[str] = "suggestion"
    intent: str
    text: str
    link: str | None
    score: float


@dataclass(frozen=True, slots=True)
class QueueAbandoned:
    """After a hand-off: the caller hung up in ``service``'s queue after ``wait_s`` (from AMI)."""

    KIND: ClassVar[str] = "queue_abandoned"
    service: str
    wait_s: int


@dataclass(frozen=True, slots=True)
class AgentAnswered:
    """After a hand-off: ``agent`` of ``service`` answered after ``wait_s`` (from AMI)."""

    KIND: ClassVar[str] = "agent_answered"
    service: str
    wait_s: int
    agent: str


EventBody = (
    Started | SpeechStart | SpeechEnd | BargeIn | Transcript | IntentMatched | Said | PromptStopped
    | RecognitionLate | CallOverflowed | Handoff | CallbackScheduled | SmsQueued | SmsFailed | CallError | Hangup
    | AgentTranscript | Suggestion | QueueAbandoned | AgentAnswered | DialogRecord
)
"""Every kind of call event."""


def _json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    return value


def payload(body: EventBody, *, personal: bool = True) -> dict[str, Any]:
    """The JSON form of an event's fields (without ``personal`` ones when ``personal`` is false)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(body):
        if not personal and f.metadata.get("personal"):
            continue
        out[f.metadata.get("json", f.name)] = _json(getattr(body, f.name))
    return out


def is_personal(body: EventBody) -> bool:
    """Whether the event carries the caller's words or number."""
    return any(f.metadata.get("personal") for f in dataclasses.fields(body))


@dataclass(frozen=True, slots=True)
class CallEvent:
    """Something that happened in one call: the envelope of one typed event."""

    call_id: str
    seq: int
    at: datetime
    body: EventBody

    @property
    def kind(self) -> str:
        """The stored kind name (``transcript``, ``handoff``...)."""
        return self.body.KIND

    @property
    def data(self) -> dict[str, Any]:
        """The body's JSON form (:func:`payload`): what the store writes and reads (``ivr.store.rows``)."""
        return payload(self.body)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: the body's fields, then the envelope (``kind``, ``call_id``...), which wins a clash.

        (``decision`` events have a ``kind`` field of their own, the intent's kind: the store keeps it, since it
        stores the envelope in columns, but a flat mapping cannot hold both.)
        """
        return {**payload(self.body), "call_id": self.call_id, "seq": self.seq, "at": self.at.isoformat(),
                "kind": self.kind}


Sink = Callable[[CallEvent], Awaitable[None]]


class EventHub:
    """Fan-out of every call's events to sinks (store) and live subscribers (dashboards, tests)."""

    def __init__(self, *, history_per_call: int = 2_000, history_total: int = 200_000) -> None:
        self._sinks: list[Sink] = []
        self._subscribers: set[asyncio.Queue[CallEvent]] = set()
        self.history: EventHistory[CallEvent] = EventHistory(history_per_call, history_total)
        """Recent events, when ``keep_history`` (tests, benchmarks): bounded, see :mod:`ivr.call.history`."""
        self.keep_history = False

    def add_sink(self, sink: Sink) -> None:
        """Every event is awaited by every sink, in order (errors logged, never raised into the call)."""
        self._sinks.append(sink)

    async def publish(self, event: CallEvent) -> None:
        """Deliver one event."""
        if self.keep_history:
            self.history.append(event)
        log.info("event %s %s", event.kind, payload(event.body, personal=False))
        if is_personal(event.body):
            log.debug("event %s in full %s", event.kind, payload(event.body))
        for sink in self._sinks:
            try:
                await sink(event)
            except Exception:
                log.exception("event sink failed on %s", event.kind)
        for q in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[CallEvent]:
        """Live events from now on."""
        q: asyncio.Queue[CallEvent] = asyncio.Queue(maxsize=1000)
        self._subscribers.add(q)
        try:
            while True:
                yield await q.get()
        finally:
            self._subscribers.discard(q)


class CallEvents:
    """The event stream of one call."""

    def __init__(self, call_id: str, hub: EventHub, now: Callable[[], datetime]) -> None:
        self.call_id = call_id
        self._hub = hub
        self._now = now
        self._seq = 0

    async def emit(self, body: EventBody) -> CallEvent:
        """Publish an event of this call."""
        self._seq += 1
        ev = CallEvent(self.call_id, self._seq, self._now(), body)
        await self._hub.publish(ev)
        return ev
