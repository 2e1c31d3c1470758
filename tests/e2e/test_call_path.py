"""Issue 2: a real SIP call from 127.0.0.2 reaches the app on a real Asterisk 22, audio flows both ways."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from callhelpers import kinds, live_call, place_call, until, wait_for_event
from conftest import agent_phone

from ivr.audio.wav import read_wav
from ivr.call import events as ev
from ivr.dialog.records import DtmfPressed
from ivr.probe.call import ProbeCall, tone_seconds

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

AGENT_TONE_HZ = 700.0  # conftest.write_tone
HELLO = Path("/usr/share/asterisk/sounds/fr/vm-intro.wav")


async def test_caller_hears_the_greeting(bot, test_settings, tmp_path: Path) -> None:
    result = await place_call(test_settings, tmp_path, seconds=9)
    assert result.established
    assert result.heard is not None
    # the greeting is several seconds of speech, heard by the caller's phone
    assert result.heard_seconds > 7
    assert result.heard_voiced_seconds > 2.0
    await wait_for_event(bot.hub, ev.Hangup)
    seen = kinds(bot.hub.history)
    assert seen[0] == "started"
    assert "say" in seen
    say = next(e.body for e in bot.hub.history if isinstance(e.body, ev.Said))
    assert say.key.startswith("greeting")


async def test_caller_audio_reaches_python_in_time(bot, test_settings, tmp_path: Path) -> None:
    """Where the bot's VAD hears speech (audio time of the call) lines up with where the caller's phone put it."""
    start_s = 3.0
    speech = np.frombuffer(read_wav(HELLO, rate=8000), dtype="<i2")
    duration = len(speech) / 8000
    await place_call(test_settings, tmp_path, segments=[(start_s, HELLO)], seconds=start_s + duration + 2)
    await wait_for_event(bot.hub, ev.Hangup)
    starts = [e.body.t for e in bot.hub.history if isinstance(e.body, ev.SpeechStart)]
    ends = [e.body.t for e in bot.hub.history if isinstance(e.body, ev.SpeechEnd)]
    assert starts, "no caller speech reached Python"
    # Asterisk answers within a few hundred ms; the first speech is where the caller's phone placed it,
    # nothing before it (the line is quiet), and the last utterance ends with the recording (plus the
    # end-of-speech silence the VAD waits for)
    assert abs(starts[0] - start_s) < 0.6
    eos = test_settings.vad.end_of_speech_ms / 1000
    assert ends and abs(ends[-1] - eos - (start_s + duration)) < 0.8


async def test_hangup_during_greeting_leaves_nothing_behind(bot, asterisk, test_settings, tmp_path: Path) -> None:
    result = await place_call(test_settings, tmp_path, seconds=10, hangup_at=1.5)
    assert result.established
    hangup = await wait_for_event(bot.hub, ev.Hangup)
    assert hangup.body.outcome == "abandoned"
    # released asynchronously after the hang-up event: wait for it (bounded), then check nothing is left
    await settled(bot)
    assert await bot.ari.list_channels() == []
    assert await bot.ari.list_bridges() == []
    assert not bot.router.sessions


async def settled(bot, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until Asterisk holds no channel and no bridge (or give up after ``timeout`` s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if not await bot.ari.list_channels() and not await bot.ari.list_bridges() and not bot.router.sessions:
            return
        await asyncio.sleep(0.1)


async def test_ari_websocket_drop_mid_call_reconnects_and_call_goes_on(bot, test_settings, tmp_path: Path) -> None:
    async with live_call(test_settings, tmp_path, seconds=40) as call:
        # generous deadlines on event waits: the phone starts, dials and hears the greeting on a loaded machine
        await wait_for_event(bot.hub, ev.Said, timeout=30)
        before = bot.ari.reconnects
        await bot.ari.drop_websocket()
        await asyncio.wait_for(_reconnected(bot, before), 30)
        # a keypad digit pressed after the reconnection travels as an ARI event: it reaching the call proves the
        # events flow again
        await call.press("9")
        await wait_for_event(bot.hub, DtmfPressed, timeout=15, digit="9")
        result = await call.end()
    assert result.established
    assert bot.ari.reconnects > before


async def _reconnected(bot, before: int) -> None:  # type: ignore[no-untyped-def]
    while bot.ari.reconnects <= before or not bot.ari.connected.is_set():  # noqa: ASYNC110 (two conditions)
        await asyncio.sleep(0.05)


async def test_without_the_bot_calls_reach_a_human(asterisk, test_settings, tmp_path: Path) -> None:
    """Voicebot stopped: the dialplan sends the citizen to the reception queue, an agent's phone answers.

    Waits on what happens (the agent answers, the caller hears the agent) rather than on a fixed call length:
    on a busy machine the queue can take several seconds to ring the agent.
    """
    assert not asterisk.app_registered()
    async with agent_phone(test_settings, tmp_path / "agent", "agent2") as agent:
        enough = asyncio.Event()
        caller = ProbeCall(test_settings, tmp_path / "caller", seconds=60, hangup_on=enough)
        call = asyncio.create_task(caller.run(test_settings.asterisk.did))
        # auto-answer: baresip reports the answered call
        await agent.wait_event("CALL_ESTABLISHED", timeout=30)
        # the agent's phone sends a 700 Hz tone: the caller hears the human leg (not silence, not ringback)
        await until(lambda: caller.heard_so_far(tone=AGENT_TONE_HZ) > 1.0, 30, "the caller hearing the agent")
        enough.set()
        result = await call
    assert result.established
    assert result.heard is not None and tone_seconds(result.heard, AGENT_TONE_HZ) > 1.0
