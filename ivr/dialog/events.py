"""What the call shell tells the dialog: one frozen dataclass per input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ivr.nlu.types import MatchResult

QueueExitReason = Literal["callback_key", "timeout", "no_agents"]
CallbackRefusal = Literal["number", "quota", "withheld", "failed"]
"""Why a callback asked on a live call was not booked: a number the city may not dial (premium-rate, shared
cost, foreign: ``security.number_regions``), the per-number caps (``callbacks.per_number_day``, one pending at a
time), a withheld caller ID, or the store failing."""


@dataclass(frozen=True, slots=True)
class Heard:
    """The caller said something (after a ``Listen``), with the matcher's verdict."""

    text: str
    match: MatchResult


@dataclass(frozen=True, slots=True)
class NoInput:
    """The caller said and typed nothing before the ``Listen`` timeout."""


@dataclass(frozen=True, slots=True)
class RecognitionLate:
    """The caller spoke, but the words were not recognised within ``asr.deadline_s`` of the end of speech.

    The machine is busy: the caller hears a short re-prompt, then is offered a person, never silence.
    """


@dataclass(frozen=True, slots=True)
class Dtmf:
    """One keypad digit (``0``-``9``, ``*``, ``#``), at any moment."""

    digit: str


@dataclass(frozen=True, slots=True)
class QueueExited:
    """The caller left a queue without reaching an agent."""

    service: str
    reason: QueueExitReason


@dataclass(frozen=True, slots=True)
class TransferCompleted:
    """An agent answered the transferred call: the dialog's part is over."""

    service: str


@dataclass(frozen=True, slots=True)
class TransferFailed:
    """The transfer could not be made (queue missing, channel error)."""

    service: str


@dataclass(frozen=True, slots=True)
class CallbackScheduled:
    """The callback asked by ``ScheduleCallback`` is stored, for ``when``."""

    when: datetime


@dataclass(frozen=True, slots=True)
class CallbackRefused:
    """The callback asked by ``ScheduleCallback`` was not booked, for ``reason``: the caller must hear why."""

    reason: CallbackRefusal


@dataclass(frozen=True, slots=True)
class SmsQueued:
    """The SMS asked by ``SendSms`` was handed to the gateway."""


@dataclass(frozen=True, slots=True)
class SmsFailed:
    """The SMS asked by ``SendSms`` could not be sent."""


@dataclass(frozen=True, slots=True)
class CallerHungUp:
    """The caller hung up."""


@dataclass(frozen=True, slots=True)
class Now:
    """Clock tick: the current time (when the dialog has no clock of its own)."""

    when: datetime


Event = (
    Heard | NoInput | RecognitionLate | Dtmf | QueueExited | TransferCompleted | TransferFailed
    | CallbackScheduled | CallbackRefused | SmsQueued
    | SmsFailed | CallerHungUp | Now
)
