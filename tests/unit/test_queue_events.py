"""AMI queue outcomes become events of the call they belong to, reach the store, and count in the figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ivr.call.events import AgentAnswered, CallEvent, EventHub, QueueAbandoned
from ivr.call.queue_events import QueueRecorder, queue_record
from ivr.clock import VirtualClock
from ivr.store import CallRepository, Database, migrate
from ivr.store.figures_query import FiguresRepository, Period
from ivr.store.writer import StoreWriter
from ivr.telephony.ami import AmiClient
from ivr.telephony.ami_events import AgentConnect, QueueCallerAbandon, QueueCallerJoin
from ivr.testing.ami_fake import FakeAmiServer, FakeQueue

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def test_only_abandons_and_answers_are_recorded() -> None:
    abandon = queue_record(QueueCallerAbandon("etat_civil", "PJSIP/t-1", "17.1", 1, 1, 75))
    assert abandon is not None and (abandon.unique_id, abandon.kind) == ("17.1", "queue_abandoned")
    assert abandon.body == QueueAbandoned("etat_civil", 75)
    answer = queue_record(AgentConnect("accueil", "PJSIP/a", "agent1", "PJSIP/t-2", "17.2", 12, 3))
    assert answer is not None and answer.body == AgentAnswered("accueil", 12, "agent1")
    assert queue_record(QueueCallerJoin("accueil", "PJSIP/t-1", "17.1", "0612", "x", 1, 1)) is None


async def next_of(hub_events: asyncio.Queue[CallEvent], kind: str) -> CallEvent:
    while True:
        ev = await asyncio.wait_for(hub_events.get(), 10)
        if ev.kind == kind:
            return ev


async def test_queue_outcomes_reach_the_figures(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"
    await migrate(url)
    clock = VirtualClock(T0 + timedelta(minutes=3))
    async with Database(url) as db, FakeAmiServer() as server:
        calls = CallRepository(db.sessions)
        waited = await calls.create_call(started_at=T0, channel_id="1700000000.5")
        answered = await calls.create_call(started_at=T0, channel_id="1700000000.9")
        hub = EventHub()
        writer = StoreWriter(db.sessions)
        writer.start()
        hub.add_sink(writer)
        seen: asyncio.Queue[CallEvent] = asyncio.Queue()

        async def watch() -> None:
            async for ev in hub.subscribe():
                seen.put_nowait(ev)

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0)
        ami = AmiClient("127.0.0.1", server.port, "ivr", "secret")
        await ami.connect()
        recorder = QueueRecorder(ami, calls.call_of_channel, hub.publish, clock)
        task = asyncio.create_task(recorder.run())
        try:
            server.queues["urbanisme"] = FakeQueue()
            await server.caller_join("urbanisme", "PJSIP/unknown", "0600", "x")
            await server.caller_leave("urbanisme", "PJSIP/unknown", abandon=True, hold_time=5)  # not our call
            await server.caller_join("urbanisme", "1700000000.5", "0600", "x")
            await server.caller_leave("urbanisme", "1700000000.5", abandon=True, hold_time=75)
            ev = await next_of(seen, "queue_abandoned")
            assert (ev.call_id, ev.body) == (waited, QueueAbandoned("urbanisme", 75))
            await server.emit("AgentConnect", [("Queue", "accueil"), ("Interface", "PJSIP/agent1"),
                                               ("MemberName", "agent1"), ("Channel", "PJSIP/t-9"),
                                               ("Uniqueid", "1700000000.9"), ("HoldTime", "15"), ("RingTime", "2")])
            ev = await next_of(seen, "agent_answered")
            assert (ev.call_id, ev.body) == (answered, AgentAnswered("accueil", 15, "agent1"))
        finally:
            task.cancel()
            watcher.cancel()
            await ami.close()
            await writer.aclose()
        assert (await calls.get_call(waited)).call.outcome == "abandoned"
        repo = FiguresRepository(db.sessions, reception="accueil", promise=timedelta(hours=4))
        figures = (await repo.figures(Period(T0 - timedelta(hours=1), T0 + timedelta(hours=1)), clock.now())).as_dict()
        assert (figures["calls"], figures["unanswered"], figures["abandoned_in_queue"]) == (2, 1, 1)
        assert (figures["waits"], figures["wait_avg_s"], figures["wait_p90_s"]) == (2, 45.0, 75.0)
