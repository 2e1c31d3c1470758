"""A real ``ivr serve`` process whose web task dies exits non-zero, loudly, for its supervisor to restart it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from ivr.config import Settings

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

AGENT_TONE_HZ = 700.0  # conftest.write_tone


def serve_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment giving a child ``ivr serve`` the test's isolated ports (layered over the defaults)."""
    a = settings.asterisk
    env = dict(os.environ)
    env.update({
        "IVR_ASTERISK__SIP_PORT": str(a.sip_port), "IVR_ASTERISK__ARI_PORT": str(a.ari_port),
        "IVR_ASTERISK__AMI_PORT": str(a.ami_port), "IVR_ASTERISK__AUDIOSOCKET_PORT": str(a.audiosocket_port),
        "IVR_ASTERISK__TRUNK_CONTACT": a.trunk_contact, "IVR_ASTERISK__RTP_START": str(a.rtp_start),
        "IVR_ASTERISK__RTP_END": str(a.rtp_end), "IVR_WEB__PORT": str(settings.web.port),
    })
    env.update(extra)
    return env


async def test_web_task_crash_exits_the_process_non_zero(asterisk, test_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as squatter:  # something else holds the web port: uvicorn cannot start
        squatter.bind((test_settings.web.host, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ivr", "--home", str(test_settings.paths.home), "serve",
            env=serve_env(test_settings, IVR_WEB__PORT=str(port)),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        try:
            _out, err = await asyncio.wait_for(proc.communicate(), 240)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = err.decode(errors="replace")
    assert proc.returncode == 70, text[-2000:]
    assert "task 'web' crashed" in text and "CRITICAL" in text
    assert not asterisk.app_registered()  # gone: new calls go to reception through the dialplan


async def test_bot_killed_mid_call_the_caller_reaches_reception(  # type: ignore[no-untyped-def]
    asterisk, engines, test_settings: Settings, tmp_path: Path
) -> None:
    """Issue 11 item 13: ``kill -9`` of the bot while it talks to a caller; its restart sends the caller to a person.

    The caller stays in Asterisk's Stasis app (its media socket closed with the process); the restarted bot finds
    the orphaned call at start (``StasisRouter.adopt_orphans``) and sends it to the reception queue, where a real
    agent phone answers and the caller hears it.
    """
    from callhelpers import until
    from conftest import OPEN_TIME, agent_phone, running_bot

    from ivr.probe.call import ProbeCall

    async with agent_phone(test_settings, tmp_path / "agent", "agent2") as agent:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ivr", "--home", str(test_settings.paths.home), "serve",
            env=serve_env(test_settings), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await until(lambda: asterisk.app_registered() or proc.returncode is not None, 240, "ivr serve up")
            assert proc.returncode is None, "ivr serve exited before taking calls"
            enough = asyncio.Event()
            caller = ProbeCall(test_settings, tmp_path / "caller", seconds=120, hangup_on=enough)
            call = asyncio.create_task(caller.run(test_settings.asterisk.did))
            await until(lambda: caller.heard_so_far() > 1.0, 40, "the caller hearing the bot's greeting")
            proc.kill()  # SIGKILL: no goodbye, no hand-over, no cleanup
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert not call.done(), "the call ended with the bot: it must wait for a person"
        async with running_bot(test_settings, engines, OPEN_TIME):  # what systemd or compose does: start it again
            await agent.wait_event("CALL_ESTABLISHED", timeout=40)
            await until(lambda: caller.heard_so_far(tone=AGENT_TONE_HZ) > 1.0, 30, "the caller hearing the agent")
            enough.set()
            result = await call
    assert result.established
