"""The queue node on real processes: a caller on a media node asks for a person, an agent on the queue node answers.

``ivr up --nodes 1 --detach`` (edge, one media node, the queue node, PostgreSQL, web front); a real agent phone
(baresip, auto-answer) registers on the queue node; a caller dials the city number through the edge and
presses 0 (a person). The agent's phone rings and answers; Asterisk's own SIP trace of the queue node shows
the INVITE to the agent carrying ``X-IVR-Call-Id`` (the call's id) and ``X-IVR-Summary``, and the shared
database holds that call, with that summary, under that id: what the agent console reads
(``/api/agent/call/<X-IVR-Call-Id>`` answers the stored call's summary). The queue node runs no bot: the web
front, following its AMI, stores the agent's answer (with the wait) as an event of that call, once, and
``ivr stats`` counts the wait; a caller who hangs up while waiting there is stored as abandoned.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from callhelpers import channels_at, until
from conftest import agent_phone
from sqlalchemy import select

from ivr.config import load_settings
from ivr.probe.call import ProbeCall
from ivr.store.db import Database
from ivr.store.models import CallEventRow
from ivr.telephony.ari.client import AriClient
from ivr.telephony.asterisk.process import AsteriskProcess
from ivr.testing.cluster_lab import cluster_env, database_url, pg_dir, queue_settings
from ivr.testing.cluster_lab import ivr_cli as _ivr

pytestmark = [pytest.mark.skipif(not Path("/usr/sbin/kamailio").exists(), reason="kamailio not installed"),
              pytest.mark.asterisk, pytest.mark.slow]

ADDRESSES = ("127.0.0.1", "127.0.0.10", "127.0.0.11")
"""The edge, the queue node, the media node."""
AGENT_TONE_HZ = 700.0
"""What ``agent_phone`` sends as the agent's voice (conftest ``write_tone``)."""


async def _ask_for_a_person(phone: ProbeCall) -> None:
    """Press 0 once the greeting is heard (the bot is listening), not at a fixed second."""
    await phone.wait_heard(1.0, timeout=60)
    await phone.press("0")


def _stored_calls(env: dict[str, str]) -> list[dict[str, object]]:
    listed = _ivr(env, "calls", "list", "--json", "--limit", "5")
    assert listed.returncode == 0, listed.stderr[-2000:]
    calls: list[dict[str, object]] = json.loads(listed.stdout)
    return calls


async def test_a_transfer_on_a_media_node_rings_an_agent_on_the_queue_node(tmp_path: Path) -> None:
    pg = pg_dir()
    env = cluster_env(tmp_path, pg, 1)
    home = Path(env["IVR_PATHS__HOME"])
    sip_port = int(env["IVR_ASTERISK__SIP_PORT"])
    try:
        up = await asyncio.to_thread(_ivr, env, "up", "--nodes", "1", "--detach", timeout=600)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-3000:]
        queue = queue_settings(env)
        assert (queue.asterisk.role, queue.asterisk.bind) == ("queue", "127.0.0.10")
        queue_ast = AsteriskProcess(queue)
        await asyncio.to_thread(queue_ast.cli, "core set verbose 3")
        await asyncio.to_thread(queue_ast.cli, "pjsip set logger host 127.0.0.3")  # what it sends the agent

        # the caller's side: the city number is the edge's address
        caller = load_settings({"paths": {"home": str(tmp_path / "caller-home")},
                                "asterisk": {"bind": ADDRESSES[0], "sip_port": sip_port}}, environ={})
        async with agent_phone(queue, tmp_path / "agent", "agent2") as agent:
            done = asyncio.Event()
            caller_phone = ProbeCall(caller, tmp_path / "caller", seconds=90, hangup_on=done)
            call = asyncio.create_task(caller_phone.run(caller.asterisk.did))
            await _ask_for_a_person(caller_phone)
            await agent.wait_event("CALL_ESTABLISHED", timeout=60)  # it rang, and auto-answered
            # media flows end to end: the caller (on the media node) hears the agent's tone (on the queue node)
            await until(lambda: caller_phone.heard_so_far(AGENT_TONE_HZ) > 1.0, 30, "the agent's voice at the caller")
            done.set()
            result = await call
        assert result.established

        log = queue_ast.proc.logfile.read_text(errors="replace")
        invites = [block for block in log.split("<--- Transmitting SIP request")
                   if "INVITE sip:agent2" in block and "127.0.0.3" in block]
        assert invites, "no INVITE to the agent in the queue node's SIP trace"
        call_id = re.search(r"X-IVR-Call-Id: (\S+)", invites[-1])
        summary = re.search(r"X-IVR-Summary: ([^\r\n]+)", invites[-1])
        assert call_id and summary, invites[-1][:1500]

        # the agent console reads the call by that id from the shared database: it is there, with that summary
        def stored() -> dict[str, object] | None:
            return next((c for c in _stored_calls(env) if c["id"] == call_id.group(1) and c["summary"]), None)

        await until(lambda: stored() is not None, 30, "the handed-over call in the shared database")
        record = stored()
        assert record is not None
        assert record["node"] == "node-1" and record["service"] == "accueil"
        assert record["summary"] == summary.group(1).strip()

        # its queue outcome: the web front, following the queue node's AMI, stored the agent's answer (and the
        # wait) as an event of that call, once
        async def answers() -> list[dict[str, object]]:
            async with Database(database_url(env)) as db, db.sessions() as s:
                rows = await s.scalars(select(CallEventRow).where(CallEventRow.call_id == call_id.group(1),
                                                                  CallEventRow.kind == "agent_answered"))
                return [dict(r.data) for r in rows]

        for _ in range(300):
            if await answers():
                break
            await asyncio.sleep(0.1)
        [answered] = await answers()
        assert answered["service"] == "accueil" and answered["agent"] == "agent2", answered
        assert isinstance(answered["wait_s"], int) and answered["wait_s"] >= 0
        figures = await asyncio.to_thread(_ivr, env, "stats", "--json")  # the city's figures count that wait
        assert figures.returncode == 0, figures.stderr[-2000:]
        assert json.loads(figures.stdout)["waits"] == 1

        # a caller who hangs up while waiting at the queue node (no agent there now): the web front stores the
        # abandon with the call, which ends "abandoned" in the shared database
        a = queue.asterisk
        ari = AriClient(f"http://{a.bind}:{a.ari_port}", a.ari_user, queue.secrets.ari_password, a.app)
        try:
            earlier = {c["id"] for c in await ari.list_channels()}
            gone = asyncio.Event()
            waiting = ProbeCall(caller, tmp_path / "caller-waits", seconds=90, hangup_on=gone)
            call = asyncio.create_task(waiting.run(caller.asterisk.did))
            await _ask_for_a_person(waiting)
            await channels_at(ari, app="Queue", timeout=60, ignore=earlier)  # waiting in the queue node's queue
            gone.set()
            assert (await call).established
        finally:
            await ari.aclose()

        async def abandoned() -> list[str]:
            async with Database(database_url(env)) as db, db.sessions() as s:
                rows = await s.scalars(select(CallEventRow.call_id).where(CallEventRow.kind == "queue_abandoned"))
                return list(rows)

        for _ in range(300):
            if await abandoned():
                break
            await asyncio.sleep(0.1)
        [left] = await abandoned()
        assert left != call_id.group(1)
        await until(lambda: any(c["id"] == left and c["outcome"] == "abandoned" for c in _stored_calls(env)), 30,
                    "the abandoned call's outcome")

        # the dashboard's queues: the web front's AMI is the queue node's (the media nodes' bots use their own)
        queue_log = queue_ast.proc.logfile
        await until(lambda: "Manager 'ivr' logged on" in queue_log.read_text(errors="replace"), 60,
                    "the web front's AMI login on the queue node")

        # the queue node dies: a caller asking for a person comes back to the bot (which offers a callback)
        status = await asyncio.to_thread(_ivr, env, "status", "--json")
        assert {r["component"]: r["healthy"] for r in json.loads(status.stdout)["cluster"]}["queue asterisk"]
        await asyncio.to_thread(queue_ast.stop)
        bot_log = home / "cluster" / "node-1" / "log" / "voicebot.log"

        def exits() -> int:
            return bot_log.read_text(errors="replace").count("event queue_exit")

        before = exits()
        back = asyncio.Event()
        second = ProbeCall(caller, tmp_path / "caller-2", seconds=90, hangup_on=back)
        call = asyncio.create_task(second.run(caller.asterisk.did))
        await _ask_for_a_person(second)
        await until(lambda: exits() > before, 60, "the caller back in the bot after the queue node died")
        back.set()
        assert (await call).established
    finally:
        down = await asyncio.to_thread(_ivr, env, "down", timeout=180)
        shutil.rmtree(pg, ignore_errors=True)
    assert down.returncode == 0, down.stderr[-2000:]
