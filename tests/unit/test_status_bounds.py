"""``ivr status --json`` says when events were dropped: the store writer's queue and the in-memory history."""

from __future__ import annotations

from datetime import UTC, datetime

from ivr.bot import Bot
from ivr.call import events as ce
from ivr.call.events import CallEvent, EventHub
from ivr.config import Settings
from ivr.enums import Outcome
from ivr.store import Database
from ivr.store.writer import StoreWriter


def ev(seq: int) -> CallEvent:
    return CallEvent("c", seq, datetime(2026, 11, 29, tzinfo=UTC), ce.Hangup(Outcome.RESOLVED))


async def test_drops_are_in_the_runtime_status(db: Database) -> None:
    hub = EventHub(history_per_call=2, history_total=10)
    hub.keep_history = True
    bot = Bot(Settings(), None, None, None, hub, router=None)  # type: ignore[arg-type]
    assert (bot.runtime_status().store_dropped, bot.runtime_status().history_dropped) == (0, 0)
    writer = StoreWriter(db.sessions, max_queue=3)  # not started: the database "does not keep up"
    bot.store_writer = writer
    hub.add_sink(writer)
    for seq in range(1, 6):
        await hub.publish(ev(seq))
    status = bot.runtime_status()
    assert (status.store_queued, status.store_dropped) == (3, 2)
    assert status.history_dropped == 3



async def test_the_runtime_status_reports_what_is_held_per_call_and_the_tasks() -> None:
    """Issue 11: an operator sees a per-call structure or the task count grow while no call is up."""
    import asyncio

    from ivr.telephony.audiosocket import AudioSocketServer

    hub = EventHub()
    hub.keep_history = True
    media = AudioSocketServer("127.0.0.1", 0)
    bot = Bot(Settings(), None, None, media, hub, router=None)  # type: ignore[arg-type]
    idle = bot.runtime_status()
    assert idle.held == {"history_calls": 0, "media_pending": 0, "media_live": 0}
    await hub.publish(ev(1))
    slot = media.new_call_uuid()
    extra = asyncio.ensure_future(asyncio.sleep(10))
    status = bot.runtime_status()
    assert (status.held["history_calls"], status.held["media_pending"]) == (1, 1)
    assert status.tasks == idle.tasks + 1
    extra.cancel()
    media.forget(slot)
    assert bot.runtime_status().held["media_pending"] == 0
