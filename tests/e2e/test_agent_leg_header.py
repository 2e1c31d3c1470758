"""The agent's phone gets ``X-IVR-Call-Id`` and ``X-IVR-Summary`` on the queue leg: the console opens the right call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from callhelpers import live_call, synth_wav, wait_for_event
from conftest import agent_phone

from ivr.config import Settings

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]


async def test_agent_leg_carries_the_call_id(bot, engines, asterisk, test_settings: Settings,  # type: ignore[no-untyped-def]
                                             tmp_path: Path) -> None:
    # Asterisk's own SIP trace of what it sends to the agents' address, in its console log
    await asyncio.to_thread(asterisk.cli, "core set verbose 3")
    await asyncio.to_thread(asterisk.cli, "pjsip set logger host 127.0.0.3")
    try:
        q = await synth_wav(engines, "Je voudrais parler à un conseiller.", "fr", tmp_path / "q.wav")
        # the caller stays on until the agent's phone rings (a fixed 20 s call could end first on a loaded
        # machine: recognition, then the transfer prompt, then the queue)
        async with (
            agent_phone(test_settings, tmp_path / "agent", "agent2") as agent,
            live_call(test_settings, tmp_path / "caller", segments=[(2.0, q)]) as call,
        ):
            transfer = await wait_for_event(bot.hub, "handoff", timeout=60, has=("summary",))
            await agent.wait_event("CALL_INCOMING", "CALL_ESTABLISHED", "CALL_REMOTE_SDP", timeout=60)
            await call.end()
        log = asterisk.proc.logfile.read_text(errors="replace")
        invites = [block for block in log.split("<--- Transmitting SIP request")
                   if "INVITE sip:" in block and "127.0.0.3" in block]
        assert invites, "no INVITE to the agent in Asterisk's SIP trace"
        assert any(f"X-IVR-Call-Id: {transfer.call_id}" in block for block in invites)
        # and the summary, as stored (the queue node relays the same header from media nodes)
        assert any(f"X-IVR-Summary: {transfer.data['summary']}" in block for block in invites)
    finally:
        await asyncio.to_thread(asterisk.cli, "pjsip set logger off")
