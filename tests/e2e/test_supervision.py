"""A real ``ivr serve`` process whose web task dies exits non-zero, loudly, for its supervisor to restart it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import pytest

from ivr.config import Settings

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]


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
