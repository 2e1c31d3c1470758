"""A callback refused on a live call (virtual time, real session, dialog and scheduler on SQLite).

The caller heard nothing and went to reception by the error path; now they hear why and what next.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.actions.callbacks import CallbackScheduler
from ivr.actions.stored import StoredActions
from ivr.call import events as ce
from ivr.call.refusal import is_withheld, refusal_of
from ivr.call.session import CallSession
from ivr.clock import VirtualClock
from ivr.dialog import records as rec
from ivr.dialog.prompts import PROMPTS
from ivr.enums import Outcome
from ivr.errors import IvrError, StoreError
from ivr.store import Database
from ivr.store.records import CallbackRecord
from ivr.testing.fake_bot import FakeBot, fake_bot
from ivr.testing.fake_media import FakeMedia, run_for, run_until

CLOSED = datetime(2026, 12, 15, 20, 0, tzinfo=ZoneInfo("Europe/Paris"))  # Tuesday evening: reception closed


class NeverDialled:
    async def dial(self, cb: CallbackRecord) -> object:
        raise AssertionError("nothing is dialled here")


def _bot(db: Database) -> tuple[FakeBot, CallbackScheduler]:
    clock = VirtualClock(CLOSED)

    async def free(service: str) -> bool:
        return True

    scheduler = CallbackScheduler(db.sessions, clock, lambda s, t: True, free, NeverDialled())  # type: ignore[arg-type]
    return fake_bot(clock=clock, actions=StoredActions(None, scheduler)), scheduler


async def _call(bot: FakeBot, number: str) -> Outcome:
    media = FakeMedia(bot.clock, hangup_at=None)

    async def connect() -> tuple[FakeMedia, object]:
        async def release() -> None:
            await media.aclose()

        return media, release

    session = CallSession(bot.services, "chan-1", number, connect_media=connect)  # type: ignore[arg-type]
    task = asyncio.create_task(session.run())
    await run_for(bot.clock, 2.0)
    session.on_dtmf("0")  # reception: closed, so "do you want to be called back?"
    await run_for(bot.clock, 2.0)
    session.on_dtmf("1")  # yes
    await run_until(bot.clock, task.done, 60)
    assert task.done(), [e.kind for e in bot.hub.history][-10:]
    return task.result()


def _said(bot: FakeBot) -> list[str]:
    return [e.body.key for e in bot.hub.history if isinstance(e.body, ce.Said)]


@pytest.mark.parametrize(("number", "reason"), [
    ("+33899123456", "number"),  # premium rate
    ("+441632960000", "number"),  # international
    ("anonymous", "withheld"),
])
async def test_a_number_the_city_may_not_call_is_explained_then_goodbye(db: Database, number: str,
                                                                       reason: str) -> None:
    bot, scheduler = _bot(db)
    outcome = await _call(bot, number)
    said = _said(bot)
    assert said[-3:] == [f"callback_refused_{reason}", "call_again_at", "goodbye"]
    assert outcome is Outcome.ABANDONED
    assert bot.ari.ops("hangup") == [("hangup", "chan-1")]  # the bot hung up after saying so
    assert not [e for e in bot.hub.history if isinstance(e.body, (ce.Handoff, ce.CallError, ce.CallbackScheduled))]
    [declined] = [e.body for e in bot.hub.history if isinstance(e.body, rec.CallbackDeclined)]
    assert declined == rec.CallbackDeclined(reason, "call_again")
    assert await scheduler.find() == []


async def test_over_the_pending_cap_is_explained(db: Database) -> None:
    bot, scheduler = _bot(db)
    await scheduler.schedule(None, "+33612345678", "accueil", "fr", "earlier", CLOSED)
    await _call(bot, "+33612345678")
    assert _said(bot)[-3:] == ["callback_refused_quota", "call_again_at", "goodbye"]
    assert len(await scheduler.find()) == 1


async def test_a_store_failure_is_said_and_recorded_as_an_error(db: Database) -> None:
    class Broken:
        async def schedule_callback(self, *args: object) -> None:
            raise StoreError("database is locked", retryable=True)

    bot, _ = _bot(db)
    bot.services.actions = Broken()  # type: ignore[assignment]
    await _call(bot, "+33612345678")
    assert _said(bot)[-3:] == ["callback_refused_failed", "call_again_at", "goodbye"]
    assert [e.body.code for e in bot.hub.history if isinstance(e.body, ce.CallError)] == ["store"]


def test_refusal_reasons() -> None:
    assert refusal_of(IvrError("x", code="invalid_number")) == "number"
    assert refusal_of(IvrError("x", code="quota_exceeded")) == "quota"
    assert refusal_of(StoreError("x")) == "failed"
    assert is_withheld("") and is_withheld(" Anonymous ") and is_withheld(None)
    assert not is_withheld("+33612345678")


@pytest.mark.parametrize(("number", "reason"), [("+33899123456", "number"), ("anonymous", "withheld")])
async def test_overflow_key_1_refused_says_why_then_reception(db: Database, tmp_path: Path, number: str,
                                                              reason: str) -> None:
    """The overloaded line's "press 1 to be called back", refused: said, then reception.

    The refusal is a file Asterisk plays, then the caller waits at reception; before, an exception was logged
    and the caller went to the queue without a word.
    """
    from ivr.call.overflow import OverflowDesk
    from ivr.config import PathsSettings, Settings
    from ivr.telephony.ari.events import Channel, StasisStart

    bot, scheduler = _bot(db)
    settings = replace(Settings(), paths=PathsSettings(home=tmp_path))
    bot.services.settings = settings
    desk = OverflowDesk(bot.services)
    channel = Channel("chan-1", "PJSIP/trunk-00000001", "Up", number, "", "s", "ivr-overflow-offer")
    await desk.on_callback_key(StasisStart(channel, ("overflow-callback",)))
    assert await scheduler.find() == []
    assert ("continue", "chan-1", "ivr-overflow", "queue") in bot.ari.requests
    [(_, _, _, prompt)] = [r for r in bot.ari.requests if r[:3] == ("set_variable", "chan-1", "IVR_OVERFLOW_PROMPT")]
    assert Path(prompt).name == f"callback_refused_{reason}-fr"
    assert Path(prompt + ".sln16").stat().st_size > 0  # noqa: ASYNC240 (the file Asterisk plays: a stat)
    assert bot.tts.said[-1] == PROMPTS[f"callback_refused_{reason}"]["fr"]
    kinds = [type(e.body) for e in bot.hub.history]
    assert kinds == [rec.CallbackDeclined, ce.Handoff]


async def test_the_overflow_messages_are_rendered_when_the_bot_starts(db: Database, tmp_path: Path) -> None:
    """The first caller over capacity hears the message at once: no synthesis on the busiest moment's path."""
    from ivr.call.overflow import WARM_PROMPTS, OverflowDesk
    from ivr.config import PathsSettings, Settings

    bot, _ = _bot(db)
    bot.services.settings = replace(Settings(), paths=PathsSettings(home=tmp_path))
    desk = OverflowDesk(bot.services)
    await desk.warm()
    assert bot.tts.said == [PROMPTS[k]["fr"] for k in WARM_PROMPTS]
    for key in WARM_PROMPTS:
        assert (tmp_path / "sounds" / f"{key}-fr.sln16").stat().st_size > 0
    said = len(bot.tts.said)
    await desk._sound("overflow_queue")  # what a call over capacity asks for: already there
    assert len(bot.tts.said) == said
