"""A callback in a cluster, on real processes: a media node rings the queue node's agent, then the citizen.

``ivr up --nodes 2 --detach`` (edge, two media nodes, the queue node, PostgreSQL, web front); a real agent
phone (baresip, auto-answer) registers on the queue node only, and the "carrier" (the nodes' trunk contact) is
another baresip that answers as the citizen. A callback request is stored in the shared database; one of the
two nodes' schedulers claims it, asks the queue node's AMI for a free agent, rings the agent through the
queue node, and only once the agent answered (and heard the intro) dials the citizen's number. The request
ends ``done`` after one attempt, dialled by exactly one node.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from callhelpers import until
from conftest import agent_phone, phone, write_tone

from ivr.actions.dialer import trunk_number
from ivr.probe.ports import free_port
from ivr.store.db import Database
from ivr.store.models import CallbackRow
from ivr.testing.cluster_lab import cluster_env, database_url, ivr_cli, pg_dir, queue_settings

pytestmark = [pytest.mark.skipif(not Path("/usr/sbin/kamailio").exists(), reason="kamailio not installed"),
              pytest.mark.asterisk, pytest.mark.slow]

CITIZEN = "+33698765432"


async def _store_request(url: str) -> int:
    async with Database(url) as db, db.sessions.begin() as s:
        row = CallbackRow(call_id=None, number=CITIZEN, service="accueil", lang="fr",
                          summary="Madame Test demande un rappel pour sa carte d'identité",
                          not_before=datetime.now(UTC), status="pending", attempts=0, created_at=datetime.now(UTC))
        s.add(row)
        await s.flush()
        return int(row.id)


async def _request(url: str, callback_id: int) -> CallbackRow:
    async with Database(url) as db, db.sessions() as s:
        row = await s.get(CallbackRow, callback_id)
    assert row is not None
    return row


async def test_a_callback_on_a_media_node_rings_the_queue_nodes_agent_then_the_citizen(tmp_path: Path) -> None:
    pg = pg_dir()
    carrier_port = free_port("127.0.0.2", socket.SOCK_DGRAM)
    env = cluster_env(tmp_path, pg, 2, IVR_ASTERISK__TRUNK_CONTACT=f"127.0.0.2:{carrier_port}")
    home = Path(env["IVR_PATHS__HOME"])

    def logs() -> list[str]:
        return [(home / "cluster" / n / "log" / "voicebot.log").read_text(errors="replace")
                for n in ("node-1", "node-2")]

    try:
        up = await asyncio.to_thread(ivr_cli, env, "up", "--nodes", "2", "--detach", timeout=900)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-3000:]
        url = database_url(env)
        queue = queue_settings(env)
        (tmp_path / "citizen").mkdir()
        write_tone(tmp_path / "citizen" / "voice.wav", seconds=120, freq=500.0)
        async with agent_phone(queue, tmp_path / "agent", "agent2") as agent, \
                phone(tmp_path / "citizen", sip_host="127.0.0.2", sip_port=carrier_port, auto_answer=True,
                      user=trunk_number(CITIZEN), source_wav=tmp_path / "citizen" / "voice.wav") as citizen:
            callback_id = await _store_request(url)
            # the schedulers poll every dialog.callback_poll_s (30 s): one of them takes it within a pass
            await agent.wait_event("CALL_ESTABLISHED", timeout=120)
            assert not [e for e in citizen.events if e.type in ("CALL_INCOMING", "CALL_ESTABLISHED")], \
                "the citizen was dialled before the agent answered"
            assert (await _request(url, callback_id)).status == "dialling"
            # the intro plays to the agent, then the citizen's phone rings (the node's trunk) and answers
            await citizen.wait_event("CALL_ESTABLISHED", timeout=60)
            await until(lambda: any(f"callback {callback_id} connected" in log for log in logs()), 30,
                        "the agent and the citizen bridged")
            await citizen.hangup()

            async def finished() -> bool:
                return (await _request(url, callback_id)).status != "dialling"

            for _ in range(300):
                if await finished():
                    break
                await asyncio.sleep(0.1)
        row = await _request(url, callback_id)
        assert (row.status, row.outcome, row.attempts) == ("done", "completed", 1)
        assert row.claimed_by in ("node-1", "node-2")
        dialled = [log.count(f"callback {callback_id}: dialling") for log in logs()]
        assert sorted(dialled) == [0, 1], f"dialled by exactly one node, once: {dialled}"
    finally:
        down = await asyncio.to_thread(ivr_cli, env, "down", timeout=180)
        shutil.rmtree(pg, ignore_errors=True)
    assert down.returncode == 0, down.stderr[-2000:]
