"""The recognition deadline: on the virtual clock, then what the dialog says when it passes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.call.deadline import Late, within
from ivr.clock import VirtualClock
from ivr.config import DialogSettings
from ivr.dialog.actions import Action
from ivr.dialog.events import Dtmf, Event, RecognitionLate
from ivr.dialog.hours import OpeningHours
from ivr.dialog.policy import Dialog
from ivr.errors import AsrError
from ivr.testing.dialog_fakes import describe, heard, sample_knowledge

PARIS = ZoneInfo("Europe/Paris")
OPEN = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)  # Tuesday morning
CLOSED = datetime(2026, 12, 15, 20, 0, tzinfo=PARIS)  # Tuesday evening


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_late_recognition_is_cancelled_at_the_deadline() -> None:
    clock = VirtualClock()
    never: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(within(never, clock, 2.5))
    await _settle()
    clock.advance(2.4)
    await _settle()
    assert not waiting.done()  # 2.4 s: still waiting for the words
    clock.advance(0.2)
    await _settle()
    assert waiting.done() and waiting.result() == Late(2.5)
    assert never.cancelled()  # a job still queued in the worker is dropped


async def test_recognition_on_time_returns_the_text() -> None:
    clock = VirtualClock()

    async def recognise() -> str:
        await clock.sleep(1.0)
        return "passeport"

    waiting = asyncio.ensure_future(within(recognise(), clock, 2.5))
    await _settle()
    clock.advance(1.0)
    await _settle()
    assert waiting.result() == "passeport"


async def test_errors_propagate_and_zero_disables() -> None:
    clock = VirtualClock()

    async def failing() -> str:
        raise AsrError("model gone")

    with pytest.raises(AsrError):
        await within(failing(), clock, 2.5)

    async def slow() -> str:
        await asyncio.sleep(0)
        return "ok"

    assert await within(slow(), clock, 0) == "ok"


# --- the dialog's answer, in the snapshot style of tests/test_dialog_policy.py ----------------------------

def make(now: datetime) -> tuple[Dialog, list[Action]]:
    kb = sample_knowledge()
    settings = replace(DialogSettings())
    dialog = Dialog(kb, OpeningHours.from_knowledge(kb, settings), settings)
    return dialog, dialog.start(now)


def run(dialog: Dialog, event: Event) -> list[str]:
    return [describe(a) for a in dialog.handle(event)]


SCENARIOS: dict[str, tuple[datetime, list[tuple[Event, list[str]]]]] = {
    "late twice while open: re-prompt, then a person": (OPEN, [
        (RecognitionLate(), ["Say asr_late", "Listen"]),
        (RecognitionLate(), ["Say transfer", "Transfer accueil",
                             "# LISTENING -> TRANSFERRING"]),
    ]),
    "late, then understood: the conversation goes on": (OPEN, [
        (RecognitionLate(), ["Say asr_late", "Listen"]),
        (heard("je veux refaire mon passeport", "passport"),
         ["# turn", "# decision", "Say answer:passport", "# answer", "Say sms_offer",
          "# LISTENING -> CONFIRMING_SMS", "Listen"]),
        (RecognitionLate(), ["Say asr_late", "Listen"]),
    ]),
    "late twice while closed: a callback is offered": (CLOSED, [
        (RecognitionLate(), ["Say asr_late", "Listen"]),
        (RecognitionLate(), ["# service_closed", "Say service_closed",
                             "# LISTENING -> OFFERING_CALLBACK", "Listen"]),
        (Dtmf("1"), ["# dtmf", "# confirm", "ScheduleCallback accueil Wed 08:30",
                     "# OFFERING_CALLBACK -> SCHEDULING_CALLBACK"]),
    ]),
    "late after the caller was asked 0 or 1 to reach a person": (OPEN, [
        (RecognitionLate(), ["Say asr_late", "Listen"]),
        (Dtmf("0"), ["# dtmf", "Say transfer", "Transfer accueil", "# LISTENING -> TRANSFERRING"]),
    ]),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_late_recognition_is_never_silence(name: str) -> None:
    now, steps = SCENARIOS[name]
    dialog, _ = make(now)
    for index, (event, expected) in enumerate(steps):
        assert run(dialog, event) == expected, f"step {index}: {event}"
