"""What the dialog asks the call shell to do: one frozen dataclass per action, executed in order.

A ``Say`` is spoken to the end (or until barge-in when ``interruptible``) before the next action runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.dialog.records import DialogRecord
from ivr.dialog.summary import Summary
from ivr.enums import Outcome


@dataclass(frozen=True, slots=True)
class Say:
    """Speak ``text`` (final, ready for TTS); ``key`` is the prompt key or ``answer:<intent>``."""

    key: str
    text: str
    lang: str
    interruptible: bool = True


@dataclass(frozen=True, slots=True)
class Listen:
    """Wait for speech or a digit; answer with ``Heard``, ``Dtmf`` or ``NoInput`` after ``timeout_s``."""

    timeout_s: float
    dtmf: bool = True


@dataclass(frozen=True, slots=True)
class Transfer:
    """Put the caller in ``service``'s queue; the agent sees ``summary``."""

    service: str
    summary: Summary


@dataclass(frozen=True, slots=True)
class ScheduleCallback:
    """Store a callback request for ``service``, not before ``not_before``; answer ``CallbackScheduled``."""

    service: str
    summary: Summary
    not_before: datetime


@dataclass(frozen=True, slots=True)
class SendSms:
    """Text the caller (who said yes); answer ``SmsQueued`` or ``SmsFailed``."""

    text: str
    link: str | None


@dataclass(frozen=True, slots=True)
class SetLanguage:
    """From now on, recognise and speak ``lang``."""

    lang: str


@dataclass(frozen=True, slots=True)
class EmergencyTransfer:
    """Blind-transfer the call to an emergency number."""

    number: str


@dataclass(frozen=True, slots=True)
class Hangup:
    """End the call after what was said is finished."""

    outcome: Outcome


@dataclass(frozen=True, slots=True)
class CancelCallback:
    """Cancel a callback the caller asked for earlier (they said so on this call)."""

    callback_id: int


Action = (
    CancelCallback | Say | Listen | Transfer | ScheduleCallback | SendSms | SetLanguage | EmergencyTransfer | Hangup
    | DialogRecord
)
"""What the dialog returns: things to do, and records of what it decided (published as call events)."""
