"""What the dialog records about a call: one frozen dataclass per kind, part of the call's event stream.

The dialog stays pure: it returns these among its actions, and the call shell publishes them as call events
(:mod:`ivr.call.events` derives their JSON form and log line). ``KIND`` is the stored ``kind`` name; a field
whose metadata says ``personal`` carries the caller's words and never reaches an INFO log line; ``json``
renames a field whose stored name is a Python keyword.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, get_args

from ivr.enums import Outcome
from ivr.nlu.model import IntentKind
from ivr.nlu.types import Decision

PERSONAL = {"personal": True}
"""Field metadata: the caller's words or number (kept out of INFO logs)."""


@dataclass(frozen=True, slots=True)
class DialogStarted:
    """The dialog began: what kind of day it is for reception, and the first language."""

    KIND: ClassVar[str] = "start"
    day_status: str
    lang: str


@dataclass(frozen=True, slots=True)
class StateChanged:
    """One transition of the dialog state machine (``FROM -event-> TO``)."""

    KIND: ClassVar[str] = "state"
    source: str = field(metadata={"json": "from"})
    event: str
    target: str = field(metadata={"json": "to"})


@dataclass(frozen=True, slots=True)
class OutcomeDecided:
    """How the dialog ends the call."""

    KIND: ClassVar[str] = "outcome"
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class ServiceClosed:
    """The caller's service is closed now; it reopens at ``reopens``."""

    KIND: ClassVar[str] = "service_closed"
    service: str
    reopens: datetime


@dataclass(frozen=True, slots=True)
class QueueExit:
    """The caller came back from a queue (``reason``: ``no_agents``, ``timeout``...)."""

    KIND: ClassVar[str] = "queue_exit"
    service: str
    reason: str


@dataclass(frozen=True, slots=True)
class HandoffFailed:
    """A hand-off to ``service`` did not reach anyone."""

    KIND: ClassVar[str] = "transfer_failed"
    service: str


@dataclass(frozen=True, slots=True)
class HandoffCompleted:
    """An agent (or the emergency number) took the call."""

    KIND: ClassVar[str] = "transfer_completed"
    service: str


@dataclass(frozen=True, slots=True)
class EmergencyDetected:
    """An emergency was recognised (``case``: which advice the caller gets)."""

    KIND: ClassVar[str] = "emergency"
    case: str


@dataclass(frozen=True, slots=True)
class CallerLeft:
    """The caller hung up while the dialog was in ``state``."""

    KIND: ClassVar[str] = "caller_hung_up"
    state: str


@dataclass(frozen=True, slots=True)
class DtmfPressed:
    """A keypad digit, and the state it arrived in."""

    KIND: ClassVar[str] = "dtmf"
    digit: str
    state: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One caller turn as the dialog understood it."""

    KIND: ClassVar[str] = "turn"
    state: str
    text: str = field(metadata=PERSONAL)
    lang: str
    decision: Decision
    intent: str | None
    score: float
    candidates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LanguageChosen:
    """The caller switched language."""

    KIND: ClassVar[str] = "language"
    lang: str


@dataclass(frozen=True, slots=True)
class DecisionMade:
    """The intent the dialog acts on, what kind of intent it is and its service."""

    KIND: ClassVar[str] = "decision"
    intent: str
    kind: IntentKind
    service: str | None


@dataclass(frozen=True, slots=True)
class Answered:
    """The bot gave the answer of ``intent``."""

    KIND: ClassVar[str] = "answer"
    intent: str


@dataclass(frozen=True, slots=True)
class Clarifying:
    """Two intents were too close: the caller is asked to choose."""

    KIND: ClassVar[str] = "clarify"
    a: str
    b: str


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The caller's yes or no to an offer (SMS, transfer, callback...)."""

    KIND: ClassVar[str] = "confirm"
    state: str
    yes: bool
    intent: str | None = None
    """The intent proposed, when confirming what the caller asked for."""


@dataclass(frozen=True, slots=True)
class ConfirmingIntent:
    """The match was in the confirmation band: the caller is asked whether ``intent`` is what they want."""

    KIND: ClassVar[str] = "confirm_intent"
    intent: str


@dataclass(frozen=True, slots=True)
class NoInputCounted:
    """Silence after a question: the ``count``-th in a row."""

    KIND: ClassVar[str] = "no_input"
    state: str
    count: int


@dataclass(frozen=True, slots=True)
class Returning:
    """A caller who called before: their pending ``callback`` (and its ``service``) or a recent ``intent``."""

    KIND: ClassVar[str] = "returning"
    callback: int | None = None
    service: str | None = None
    intent: str | None = None


@dataclass(frozen=True, slots=True)
class CallbackReviewed:
    """The returning caller kept or cancelled their pending callback."""

    KIND: ClassVar[str] = "callback_review"
    callback: int
    kept: bool


@dataclass(frozen=True, slots=True)
class CallbackDeclined:
    """A callback could not be booked on this call (``reason``: see ``CallbackRefusal``); what came next."""

    KIND: ClassVar[str] = "callback_refused"
    reason: str
    next_step: str
    """``reception`` (put in its queue) or ``call_again`` (told when to call back, then goodbye)."""


DialogRecord = (
    DialogStarted | StateChanged | OutcomeDecided | ServiceClosed | QueueExit | HandoffFailed | HandoffCompleted
    | EmergencyDetected | CallerLeft | DtmfPressed | Turn | LanguageChosen | DecisionMade | Answered
    | Clarifying | Confirmed | ConfirmingIntent | NoInputCounted | Returning | CallbackReviewed
    | CallbackDeclined
)
"""Everything the dialog records (the ``Record`` action)."""

RECORD_TYPES: tuple[type[DialogRecord], ...] = get_args(DialogRecord)
"""The record classes, for ``isinstance`` checks."""
