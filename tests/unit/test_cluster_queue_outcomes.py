"""A cluster's queue node: its queue outcomes find their call by ``IVR_CALL_ID``; its free agents take callbacks.

The queue node runs no bot and its channels are new ones, so the web front records its AMI events by the call
id the caller's channel inherited from ``X-IVR-Call-Id`` (``ChanVariable: IVR_CALL_ID=…``), once, and only for
calls a media node stored. Media nodes ask its ``QueueStatus`` for a free agent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ivr.call.events import AgentAnswered, QueueAbandoned
from ivr.call.queue_events import by_call_variable, queue_record
from ivr.clock import VirtualClock
from ivr.cluster.callback_agents import QueueNodeAgents, free_member
from ivr.cluster.queue_outcomes import queue_node_recorder
from ivr.store import CallRepository, Database, migrate
from ivr.store.models import CallEventRow, CallRow
from ivr.telephony.ami import AmiClient, QueueStatusResult
from ivr.telephony.ami_events import AmiMessage, QueueMemberStatus, parse_queue_event
from ivr.testing.ami_fake import FakeAmiServer, FakeMember, FakeQueue

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _connect(call_id: str, agent_var: str = "") -> list[tuple[str, str]]:
    """An ``AgentConnect`` as the queue node sends it: the caller's variables, then the agent leg's."""
    return [("Event", "AgentConnect"), ("Channel", "PJSIP/media-nodes-00000003"), ("Uniqueid", "1700000000.3"),
            ("ChanVariable", f"IVR_CALL_ID={call_id}"), ("DestChannel", "PJSIP/agent2-00000004"),
            ("DestChanVariable", f"IVR_CALL_ID={agent_var}"), ("Queue", "accueil"),
            ("Interface", "PJSIP/agent2"), ("MemberName", "agent2"), ("HoldTime", "12"), ("RingTime", "3")]


def test_the_call_id_is_the_callers_channel_variable_not_the_agents() -> None:
    event = parse_queue_event(AmiMessage(tuple(_connect("c-42", agent_var="other"))))
    rec = queue_record(event) if event is not None else None
    assert rec is not None and by_call_variable(rec) == "c-42"
    assert rec.body == AgentAnswered("accueil", 12, "agent2")
    abandon = parse_queue_event(AmiMessage((("Event", "QueueCallerAbandon"), ("Queue", "accueil"),
                                            ("Uniqueid", "1.5"), ("ChanVariable", "IVR_CALL_ID=c-7"),
                                            ("HoldTime", "40"))))
    rec = queue_record(abandon) if abandon is not None else None
    assert rec is not None and (by_call_variable(rec), rec.body) == ("c-7", QueueAbandoned("accueil", 40))
    bare = parse_queue_event(AmiMessage((("Event", "QueueCallerAbandon"), ("Queue", "accueil"),
                                         ("Uniqueid", "1.6"))))
    rec = queue_record(bare) if bare is not None else None
    assert rec is not None and by_call_variable(rec) == ""  # a caller no media node handed over


def _member(queue: str, name: str, status: int, paused: bool = False) -> QueueMemberStatus:
    return QueueMemberStatus(queue, f"PJSIP/{name}", name, status, paused, False, 0)


def test_a_free_agent_is_registered_idle_and_not_paused_in_that_queue() -> None:
    status = QueueStatusResult((), (
        _member("etat_civil", "agent1", 1),  # free, but not in this queue
        _member("accueil", "agent1", 2),  # in a call
        _member("accueil", "agent2", 1, paused=True),
        _member("accueil", "agent3", 5),  # phone not registered
    ), ())
    assert free_member(status, "accueil") is None
    status = QueueStatusResult((), (*status.members, _member("accueil", "web-agent3", 1)), ())
    assert free_member(status, "accueil") == "web-agent3"
    assert QueueNodeAgents.endpoint("web-agent3") == "PJSIP/callback-web-agent3@ivr-queue-node"


async def test_media_node_asks_the_queue_nodes_ami_for_a_free_agent() -> None:
    async with FakeAmiServer() as server:
        server.queues["accueil"] = FakeQueue([FakeMember("PJSIP/agent1", "agent1", status=2),
                                              FakeMember("PJSIP/agent2", "agent2")])
        ami = AmiClient("127.0.0.1", server.port, "ivr", "secret")
        agents = QueueNodeAgents(ami)
        assert await agents.free_agent("accueil") is None  # not connected: nobody, not an error
        await ami.connect()
        try:
            assert await agents.free_agent("accueil") == "agent2"
            server.queues["accueil"].members[1].paused = True
            assert await agents.free_agent("accueil") is None
        finally:
            await ami.close()


async def test_web_front_stores_each_queue_outcome_once_for_stored_calls_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"
    await migrate(url)
    async with Database(url) as db, FakeAmiServer() as server:
        call_id = await CallRepository(db.sessions).create_call(started_at=T0, channel_id="media-node-channel")
        ami = AmiClient("127.0.0.1", server.port, "ivr", "secret")
        await ami.connect()
        try:
            async with queue_node_recorder(ami, db.sessions, node="web-front", clock=VirtualClock(T0)):
                await asyncio.sleep(0.05)  # subscribed
                await server.emit("AgentConnect", _connect("forged-or-foreign")[1:])
                await server.emit("AgentConnect", _connect(call_id)[1:])
                for _ in range(200):
                    async with db.sessions() as s:
                        stored = list(await s.scalars(select(CallEventRow.id)))
                    if stored:
                        break
                    await asyncio.sleep(0.02)
            # leaving the context flushed the writer: nothing else is on its way
            async with db.sessions() as s:
                events = list(await s.scalars(select(CallEventRow).where(CallEventRow.kind == "agent_answered")))
                calls = list(await s.scalars(select(CallRow.id)))
        finally:
            await ami.close()
    assert [(e.call_id, e.data) for e in events] == [(call_id, {"service": "accueil", "wait_s": 12,
                                                                "agent": "agent2"})]
    assert calls == [call_id], "an unknown call id creates no call"
