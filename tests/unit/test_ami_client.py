"""AMI client against a fake AMI TCP server on loopback (real sockets, real framing)."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from ivr.errors import AmiError
from ivr.telephony.ami import AmiClient
from ivr.telephony.ami_events import (
    AgentConnect,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueMemberStatus,
    parse_message,
    parse_queue_event,
)
from ivr.testing.ami_fake import FakeAmiServer, FakeMember, FakeQueue


async def _client(server: FakeAmiServer, **kw: float) -> AmiClient:
    client = AmiClient("127.0.0.1", server.port, "ivr", "secret", **kw)
    await client.connect()
    return client


async def test_utf8_character_split_across_two_reads_survives() -> None:
    async with FakeAmiServer() as server:
        client = await _client(server)
        async with client.subscribe() as events:
            prefix = b"Event: QueueCallerJoin\r\nQueue: accueil\r\nChannel: PJSIP/trunk-1\r\nCallerIDName: "
            server.split_at = len(prefix) + 1  # between the two bytes of "É" (0xC3 0x89)
            await server.caller_join("accueil", "PJSIP/trunk-1", "0612345678", "Émilie")
            event = await asyncio.wait_for(events.get(), 2)
        assert isinstance(event, QueueCallerJoin)
        assert event.caller_name == "Émilie"
        assert event.queue == "accueil" and event.position == 1
        await client.close()


async def test_queue_add_resolves_and_emits_member_event() -> None:
    async with FakeAmiServer() as server:
        server.queues["accueil"] = FakeQueue()
        client = await _client(server, timeout=2)
        async with client.subscribe() as events:
            await asyncio.wait_for(client.queue_add("accueil", "PJSIP/web-agent1", "agent1"), 2)
            event = await asyncio.wait_for(events.get(), 2)
        assert isinstance(event, QueueMemberStatus)
        assert event.interface == "PJSIP/web-agent1" and event.member_name == "agent1"
        with pytest.raises(AmiError, match="Already there"):
            await client.queue_add("accueil", "PJSIP/web-agent1")
        await client.queue_pause("PJSIP/web-agent1", True, "accueil")
        assert server.queues["accueil"].members[0].paused
        await client.queue_remove("accueil", "PJSIP/web-agent1")
        assert server.queues["accueil"].members == []
        await client.close()


async def test_queue_status_and_summary_are_typed() -> None:
    async with FakeAmiServer() as server:
        server.queues["etat_civil"] = FakeQueue(members=[FakeMember("PJSIP/agent1", "agent1", status=2)])
        await server.caller_join("etat_civil", "PJSIP/trunk-9", "0611111111", "Zoé")
        server.queues["etat_civil"].callers[0].wait = 42
        client = await _client(server)
        status = await client.queue_status()
        assert [q.queue for q in status.queues] == ["etat_civil"]
        assert status.members[0].status == 2 and status.members[0].member_name == "agent1"
        assert status.entries[0].caller_name == "Zoé" and status.entries[0].wait == 42
        summary = await client.queue_summary("etat_civil")
        assert summary[0].callers == 1 and summary[0].logged_in == 1 and summary[0].longest_hold_time == 42
        await client.close()


async def test_command_output_lines_and_refusal() -> None:
    async with FakeAmiServer() as server:
        server.commands["dialplan reload"] = "Dialplan reloaded."
        server.commands["dialplan show from-trunk"] = "[ Context 'from-trunk' created by 'pbx_config' ]\n  '_X.' =>"
        client = await _client(server)
        assert await client.command("dialplan reload") == "Dialplan reloaded."
        out = await client.command("dialplan show from-trunk")
        assert out.splitlines()[1] == "  '_X.' =>"
        with pytest.raises(AmiError):
            await client.command("no such thing")
        await client.close()


async def test_bad_login_is_not_retryable() -> None:
    async with FakeAmiServer(secret="right") as server:
        client = AmiClient("127.0.0.1", server.port, "ivr", "wrong")
        with pytest.raises(AmiError) as info:
            await client.connect()
        assert not info.value.retryable


async def test_timeout_then_reconnect_after_server_drops_us() -> None:
    async with FakeAmiServer() as server:
        server.queues["accueil"] = FakeQueue()
        client = await _client(server, timeout=0.5, reconnect_delay=0.1)
        server.ignore_actions.add("QueueSummary")
        with pytest.raises(AmiError, match="timed out"):
            await client.queue_summary()
        server.ignore_actions.clear()
        await server.drop_clients()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if client.connected and len([a for a in server.actions if a.get("Action") == "Login"]) == 2:
                break
        assert client.connected
        assert (await client.queue_summary())[0].queue == "accueil"
        await client.close()


def test_no_event_loop_deprecation_warning_when_built_outside_a_loop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = AmiClient("127.0.0.1", 1, "ivr", "x")
        assert not client.connected


def test_trailing_empty_header_and_repeated_headers_are_kept() -> None:
    msg = parse_message(b"Response: Success\r\nActionID: 7\r\nOutput: a\r\nOutput: b\r\nReason:")
    assert msg.get_all("Output") == ["a", "b"]
    assert msg.has("Reason") and msg.get("Reason", "missing") == ""


def test_agent_connect_parsed() -> None:
    msg = parse_message(
        b"Event: AgentConnect\r\nQueue: accueil\r\nInterface: PJSIP/web-agent1\r\nMemberName: agent1\r\n"
        b"Channel: PJSIP/trunk-3\r\nUniqueid: 12.3\r\nHoldTime: 17\r\nRingTime: 3"
    )
    event = parse_queue_event(msg)
    assert event == AgentConnect("accueil", "PJSIP/web-agent1", "agent1", "PJSIP/trunk-3", "12.3", 17, 3)
    leave = parse_queue_event(parse_message(b"Event: QueueCallerLeave\r\nQueue: q\r\nChannel: c\r\nCount: 0"))
    assert isinstance(leave, QueueCallerLeave) and leave.count == 0
