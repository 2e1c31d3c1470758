"""Issue 11 item 11: the database off the call path, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from ivr.call import events as ce
from ivr.call.events import CallEvents, EventHub
from ivr.enums import Outcome, Speaker
from ivr.nlu.types import Decision
from ivr.store import CallRepository, Database, migrate
from ivr.store.models import CallEventRow, TurnRow
from ivr.store.writer import StoreWriter
from ivr.testing.pgtemp import TempCluster, create_database, temp_cluster, unavailable_reason

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALLS = 24
TURNS = 12  # per call: a prompt, the caller's words, the match; 12 times over


class Ticker:
    """A wall clock advancing 10 ms per reading."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        self.t += timedelta(milliseconds=10)
        return self.t


@dataclass(frozen=True, slots=True)
class TooLong:
    """An event whose kind the database column cannot hold."""

    KIND: ClassVar[str] = "x" * 40


async def one_call(hub: EventHub, call_id: str) -> int:
    """A call's whole event stream, interleaved with the others; returns how many events it emitted."""
    ev = CallEvents(call_id, hub, Ticker())
    await ev.emit(ce.Started(channel=f"PJSIP/trunk-{call_id[:6]}", number="+33612345678"))
    for i in range(TURNS):
        await ev.emit(ce.Said("answer", "fr", True, f"réponse {i}"))
        await asyncio.sleep(0)
        await ev.emit(ce.Transcript(Speaker.CALLER, f"question {i}", 0.0))
        await ev.emit(ce.IntentMatched(f"i{i}", Decision.ANSWER, 0.9, f"question {i}"))
        await asyncio.sleep(0)
    await ev.emit(ce.Hangup(Outcome.RESOLVED))
    return 2 + 3 * TURNS


async def check_everything_stored(db: Database, writer: StoreWriter, ids: list[str], emitted: int) -> None:
    await writer.flush(60)
    assert writer.stats.dropped == 0 and writer.stats.refused == 0
    assert writer.stats.written == emitted
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(CallEventRow)) == emitted
    calls = CallRepository(db.sessions)
    for cid in ids:
        detail = await calls.get_call(cid)
        assert detail.call.outcome == "resolved" and detail.caller_number == "+33612345678"
        # turns numbered in the process: contiguous, in the order the call said them
        assert [t.seq for t in detail.turns] == list(range(1, 2 * TURNS + 1))
        assert [t.text for t in detail.turns][:4] == ["réponse 0", "question 0", "réponse 1", "question 1"]
        assert [e.kind for e in detail.events][:3] == ["started", "say", "transcript"]


async def run_calls(db: Database, writer: StoreWriter) -> tuple[list[str], int]:
    hub = EventHub()
    hub.add_sink(writer)
    ids = [str(uuid.uuid4()) for _ in range(CALLS)]
    counts = await asyncio.gather(*(one_call(hub, cid) for cid in ids))
    return ids, sum(counts)


@pytest.fixture(scope="module")
def pg() -> Iterator[TempCluster]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with temp_cluster() as cluster:
        yield cluster


@pytest.fixture
async def pg_db(pg: TempCluster) -> AsyncIterator[Database]:
    url = await create_database(pg.url, f"ivr_writer_{uuid.uuid4().hex[:10]}")
    await migrate(url)
    async with Database(url) as database:
        yield database


async def test_24_calls_on_sqlite_nothing_lost(db: Database) -> None:
    writer = StoreWriter(db.sessions)
    writer.start()
    ids, emitted = await run_calls(db, writer)
    await check_everything_stored(db, writer, ids, emitted)
    await writer.aclose()


async def test_24_calls_on_postgresql_nothing_lost(pg_db: Database) -> None:
    writer = StoreWriter(pg_db.sessions)
    writer.start()
    ids, emitted = await run_calls(pg_db, writer)
    await check_everything_stored(pg_db, writer, ids, emitted)
    await writer.aclose()


async def test_publishing_never_waits_for_the_database_and_drops_are_counted(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Writer stalled (not running): the calls go on at once; past the bound, events are dropped loudly."""
    writer = StoreWriter(db.sessions, max_queue=50)
    hub = EventHub()
    hub.add_sink(writer)
    with caplog.at_level(logging.ERROR, logger="ivr.store.writer"):
        _ids, emitted = await asyncio.wait_for(run_calls(db, writer), 10)
    assert writer.stats.queued == 50
    assert writer.stats.dropped == emitted - 50
    assert sum("queue full" in r.getMessage() for r in caplog.records) == 1  # once per outage, not per event
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="ivr.store.writer"):
        writer.start()
        await writer.flush(30)
        await writer.aclose()
    assert writer.stats.written == 50
    assert any(f"{emitted - 50} call event(s) dropped" in r.getMessage() for r in caplog.records)
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(CallEventRow)) == 50


async def test_a_restarted_call_continues_its_turn_numbers(db: Database) -> None:
    """A bot restarted mid-call (queue exit) continues the stored call: seq read once, then kept in memory."""
    first = StoreWriter(db.sessions)
    first.start()
    hub = EventHub()
    hub.add_sink(first)
    ev = CallEvents("c-1", hub, Ticker())
    await ev.emit(ce.Started(channel="", number="+33612345678"))
    await ev.emit(ce.IntentMatched("a", Decision.ANSWER, 0.9, "un"))
    await first.aclose()
    second = StoreWriter(db.sessions)
    second.start()
    hub2 = EventHub()
    hub2.add_sink(second)
    ev2 = CallEvents("c-1", hub2, Ticker())
    await ev2.emit(ce.IntentMatched("b", Decision.ANSWER, 0.9, "deux"))
    await ev2.emit(ce.Said("x", "fr", True, "trois"))
    await second.aclose()
    async with db.sessions() as s:
        rows = (await s.execute(select(TurnRow.seq, TurnRow.text).order_by(TurnRow.seq))).all()
    assert [tuple(r) for r in rows] == [(1, "un"), (2, "deux"), (3, "trois")]


async def test_postgresql_restarted_under_calls_loses_nothing(pg: TempCluster, pg_db: Database) -> None:
    """The server crashes (immediate stop) while 24 calls talk, and comes back: every event is stored."""
    writer = StoreWriter(pg_db.sessions, retry_s=0.2, max_retry_s=1.0)
    writer.start()
    hub = EventHub()
    hub.add_sink(writer)
    ids = [str(uuid.uuid4()) for _ in range(CALLS)]
    first_half = await asyncio.gather(*(one_call(hub, cid) for cid in ids[:12]))
    await writer.flush(60)
    await asyncio.to_thread(pg.stop)
    # calls go on while the database is down: publishing does not wait
    second_half = await asyncio.wait_for(asyncio.gather(*(one_call(hub, cid) for cid in ids[12:])), 10)
    await asyncio.to_thread(pg.start)
    await check_everything_stored(pg_db, writer, ids, sum(first_half) + sum(second_half))
    assert writer.stats.retries >= 1
    await writer.aclose()


async def test_an_event_the_database_refuses_is_dropped_alone(pg_db: Database) -> None:
    """PostgreSQL enforces column sizes: a bad event is isolated and counted; its batch-mates are written."""
    writer = StoreWriter(pg_db.sessions)
    hub = EventHub()
    hub.add_sink(writer)
    ev = CallEvents("c-2", hub, Ticker())
    await ev.emit(ce.Started(channel=""))
    await ev.emit(TooLong())  # type: ignore[arg-type]  (kind is VARCHAR(32))
    await ev.emit(ce.Hangup(Outcome.RESOLVED))
    writer.start()
    await writer.flush(30)
    await writer.aclose()
    assert writer.stats.refused == 1 and writer.stats.written == 2
    detail = await CallRepository(pg_db.sessions).get_call("c-2")
    assert [e.kind for e in detail.events] == ["started", "hangup"]
    assert detail.call.outcome == "resolved"
