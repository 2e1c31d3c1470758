"""Key 1 while waiting at the queue node, on a real call: the caller is taken back and called back later.

``ivr up --nodes 1 --detach`` (edge, one media node, the queue node, PostgreSQL, web front), no agent phone
registered: a caller dials the city number through the edge, presses 0 (a person) and waits in the queue
node's queue, its music coming back as early media of the media node's ``Dial()``. Pressing 1 there must
travel as an RFC 4733 event over that unanswered leg to the queue node, whose ``queue-exit-keys`` refuses the
leg with 486; the media node's bot gets the caller back as ``callback_key`` and stores a callback request, in
PostgreSQL, for that call and that service.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from callhelpers import channels_at, until
from sqlalchemy import select

from ivr.config import load_settings
from ivr.probe.call import ProbeCall
from ivr.store.db import Database
from ivr.store.models import CallbackRow, CallEventRow
from ivr.telephony.ari.client import AriClient
from ivr.telephony.asterisk.process import AsteriskProcess
from ivr.testing.cluster_lab import cluster_env, database_url, pg_dir, queue_settings
from ivr.testing.cluster_lab import ivr_cli as _ivr

pytestmark = [pytest.mark.skipif(not Path("/usr/sbin/kamailio").exists(), reason="kamailio not installed"),
              pytest.mark.asterisk, pytest.mark.slow]

EDGE = "127.0.0.1"


async def _stored(url: str) -> tuple[list[CallbackRow], list[dict[str, object]]]:
    """The callback requests and the ``queue_exit`` events in the shared database."""
    async with Database(url) as db, db.sessions() as s:
        callbacks = list(await s.scalars(select(CallbackRow)))
        exits = [dict(r.data, call_id=r.call_id)
                 for r in await s.scalars(select(CallEventRow).where(CallEventRow.kind == "queue_exit"))]
        return callbacks, exits


async def test_key_1_at_the_queue_node_takes_the_caller_back_for_a_callback(tmp_path: Path) -> None:
    pg = pg_dir()
    env = cluster_env(tmp_path, pg, 1)
    try:
        up = await asyncio.to_thread(_ivr, env, "up", "--nodes", "1", "--detach", timeout=600)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-3000:]
        queue = queue_settings(env)
        caller = load_settings({"paths": {"home": str(tmp_path / "caller-home")},
                                "asterisk": {"bind": EDGE, "sip_port": int(env["IVR_ASTERISK__SIP_PORT"])}},
                               environ={})
        queue_ast = AsteriskProcess(queue)
        a = queue.asterisk
        ari = AriClient(f"http://{a.bind}:{a.ari_port}", a.ari_user, queue.secrets.ari_password, a.app)
        url = database_url(env)
        try:
            done = asyncio.Event()
            phone = ProbeCall(caller, tmp_path / "caller", seconds=120, hangup_on=done)
            call = asyncio.create_task(phone.run(caller.asterisk.did))
            await phone.wait_heard(1.0, timeout=60)  # the greeting: the bot listens
            await phone.press("0")
            [waiting] = await channels_at(ari, app="Queue", timeout=60)  # in the queue node's queue
            # the queue's music reaches the caller as early media before the key is pressed
            heard = phone.heard_so_far()
            await until(lambda: phone.heard_so_far() > heard + 1.0, 30, "the queue's music at the caller")
            await phone.press("1")

            async def left_the_queue() -> bool:
                return all(c["id"] != waiting["id"] for c in await ari.list_channels())

            for _ in range(300):
                if await left_the_queue():
                    break
                await asyncio.sleep(0.1)
            assert await left_the_queue(), "key 1 did not take the caller out of the queue node's queue"

            async def requested() -> bool:
                return bool((await _stored(url))[0])

            for _ in range(600):
                if await requested():
                    break
                await asyncio.sleep(0.1)
            done.set()
            result = await call
        finally:
            await ari.aclose()
        assert result.established
        # the key reached the queue node: Queue() left for its exit-keys context, whose Hangup(17) (priority 2)
        # ended the media node's leg there (not a timeout, not a lost leg)
        log = queue_ast.proc.logfile.read_text(errors="replace")
        assert "Spawn extension (queue-exit-keys, 1, 2) exited non-zero on 'PJSIP/media-nodes-" in log, log[-3000:]
        callbacks, exits = await _stored(url)
        assert [e["reason"] for e in exits] == ["callback_key"], exits
        [request] = callbacks
        assert request.service == "accueil" and request.status == "pending"
        assert request.call_id == exits[0]["call_id"]
        assert request.caller_key  # the number is kept for the dialler, hashed for the returning-caller lookup
    finally:
        down = await asyncio.to_thread(_ivr, env, "down", timeout=180)
        shutil.rmtree(pg, ignore_errors=True)
    assert down.returncode == 0, down.stderr[-2000:]
