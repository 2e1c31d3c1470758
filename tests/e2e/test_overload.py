"""Issue 9: more simultaneous real calls than the bot's (deliberately small) capacity, and late recognition.

Every call ends in a defined outcome: answered by the bot, queued for a person after a short recorded
message, or a callback stored. None is silent, none is dropped. Real Asterisk, real SIP calls from
127.0.0.2; the test waits on the bot's events and Asterisk's channel state, never on fixed sleeps.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from callhelpers import channels_at, live_call, place_call, synth_wav, until, wait_for_event
from conftest import OPEN_TIME, running_bot

from ivr.call.events import CallbackScheduled, CallOverflowed
from ivr.config import OverloadSettings, Settings
from ivr.dialog.records import CallbackDeclined
from ivr.probe.call import ProbeCall

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

CALL_S = 60.0
"""The longest a test call may last: callers hang up once the test saw what it waits for."""


async def _queued_channels(bot: Any, want: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Caller channels Asterisk holds in the reception queue (polled until ``want`` are there)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    queued: list[dict[str, Any]] = []
    while loop.time() < deadline:
        queued = [c for c in await bot.ari.list_channels()
                  if (c.get("dialplan") or {}).get("app_name") == "Queue"]
        if len(queued) >= want:
            return queued
        await asyncio.sleep(0.2)
    raise AssertionError(f"{len(queued)} caller(s) in a queue, expected {want}")


def _by_call(history: list[Any]) -> dict[str, list[str]]:
    calls: dict[str, list[str]] = {}
    for e in history:
        calls.setdefault(e.call_id, []).append(e.kind)
    return calls


async def test_calls_beyond_capacity_go_to_reception_with_a_message(
    asterisk: Any, engines: Any, test_settings: Settings, tmp_path: Path
) -> None:
    settings = replace(test_settings, overload=OverloadSettings(max_calls=1, latency_budget_s=0, overflow="queue"))
    async with running_bot(settings, engines, OPEN_TIME) as bot:
        # the callers hang up once two wait in the queue, not at a fixed second: on a loaded machine the overflow
        # message (rendered, then played: ~7 s) ended after a 14 s call had already hung up
        enough = asyncio.Event()
        probes = [ProbeCall(settings, tmp_path / f"c{i}", seconds=CALL_S, hangup_on=enough) for i in range(3)]
        calls = [asyncio.ensure_future(p.run(settings.asterisk.did)) for p in probes]
        await wait_for_event(bot.hub, CallOverflowed, timeout=40, to="queue")
        # bounded: a call that never came up fails here instead of hanging the suite
        await until(lambda: len([e for e in bot.hub.history if e.kind == "overflow"]) >= 2, 40, "two overflows")
        overflowed = [e for e in bot.hub.history if e.kind == "overflow"]
        queued = await _queued_channels(bot, 2, timeout=CALL_S)
        # none dropped: all three calls are still up while two wait in the queue and the bot talks to the third
        closed = [i for i, p in enumerate(probes) if p.ua is None or any(e.type == "CALL_CLOSED" for e in p.ua.events)]
        assert not closed, f"call(s) {closed} ended before the callers hung up"
        enough.set()
        results = await asyncio.gather(*calls)

        per_call = _by_call(bot.hub.history)
        assert len(per_call) == 3, per_call
        answered = [k for k in per_call.values() if "say" in k]
        to_queue = [k for k in per_call.values() if "overflow" in k]
        assert len(answered) == 1 and len(to_queue) == 2, per_call
        for kinds in to_queue:
            assert kinds[:3] == ["started", "overflow", "handoff"]  # a defined hand-off
        assert all(e.body.reason == "max_calls" for e in overflowed)
        # exactly the two overflowed callers wait there: the third, answered by the bot, is not queued
        assert len({c["id"] for c in queued}) == 2, queued
        for r in results:
            assert r.established  # every call was answered by Asterisk
            assert r.heard_voiced_seconds > 2.0  # none silent: a greeting or the overflow message


async def test_overflow_offers_a_callback_on_key_1(
    asterisk: Any, engines: Any, test_settings: Settings, tmp_path: Path
) -> None:
    # a latency budget no recogniser meets: every new call overflows; its own database for the callback
    settings = replace(
        test_settings,
        overload=OverloadSettings(latency_budget_s=0.01, overflow="callback"),
        store=replace(test_settings.store, url=f"sqlite+aiosqlite:///{tmp_path / 'overload.db'}"),
    )
    async with running_bot(settings, engines, OPEN_TIME) as bot:
        async with live_call(settings, tmp_path / "cb", seconds=60) as call:
            over = await wait_for_event(bot.hub, CallOverflowed, timeout=40)
            assert (over.body.to, over.body.reason) == ("callback", "latency")
            # the dialplan plays the offer ("pour être rappelé, tapez 1"): key 1 once the phone hears it
            await call.probe.wait_heard(2.0, timeout=30)
            await call.press("1")
            stored = await wait_for_event(bot.hub, CallbackScheduled, timeout=40, reason="overload")
            assert stored.call_id == over.call_id
            result = await asyncio.wait_for(call.task, 40)  # the confirmation, then the dialplan hangs up
        assert result.established
        assert result.heard_voiced_seconds > 2.0  # the offer, then the confirmation
        assert not [e for e in bot.hub.history if e.kind == "say"]  # the bot itself never spoke


async def test_overflow_key_1_from_a_premium_number_is_refused_aloud_then_reception(
    asterisk: Any, engines: Any, test_settings: Settings, tmp_path: Path
) -> None:
    """A +33 899 caller presses 1 on the overloaded line: told why, then reception; no callback stored.

    "Je ne peux pas vous rappeler à ce numéro", then the reception queue, where the phone hears the queue.
    """
    settings = replace(
        test_settings,
        overload=OverloadSettings(latency_budget_s=0.01, overflow="callback"),
        store=replace(test_settings.store, url=f"sqlite+aiosqlite:///{tmp_path / 'overload.db'}"),
    )
    async with running_bot(settings, engines, OPEN_TIME) as bot:
        async with live_call(settings, tmp_path / "cb", seconds=90, caller="+33899123456") as call:
            await wait_for_event(bot.hub, CallOverflowed, timeout=40)
            await call.probe.wait_heard(2.0, timeout=30)
            await call.press("1")
            declined = await wait_for_event(bot.hub, CallbackDeclined, timeout=40)
            assert declined.body == CallbackDeclined("number", "reception")
            heard = call.probe.heard_so_far()
            # the refusal is played, then the queue's music: the caller is never left in silence
            await call.probe.wait_heard(heard + 3.0, timeout=40)
            await channels_at(bot.ari, app="Queue", timeout=60)
            assert not call.task.done()  # still on the line, waiting for a person
        assert await bot.scheduler.find() == []
        assert not [e for e in bot.hub.history if isinstance(e.body, CallbackScheduled)]


class SlowStt:
    """The real recogniser, answering ``delay_s`` late (everything else delegated)."""

    def __init__(self, stt: Any, delay_s: float) -> None:
        self._stt, self._delay_s = stt, delay_s

    async def transcribe(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(self._delay_s)
        return await self._stt.transcribe(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stt, name)


async def test_recognition_past_its_deadline_is_never_silence(
    asterisk: Any, engines: Any, test_settings: Settings, tmp_path: Path
) -> None:
    # a recogniser slower than the deadline: each turn is late; the caller hears a re-prompt, then goes to a
    # person. (A tiny deadline alone is not enough: on a quiet machine the recognition started at the pause is
    # done before the end of speech is even declared, and rightly not late.)
    settings = replace(test_settings, asr=replace(test_settings.asr, deadline_s=0.5))
    q = await synth_wav(engines, "Je voudrais refaire mon passeport.", "fr", tmp_path / "q.wav")
    slow = replace(engines, stt=SlowStt(engines.stt, delay_s=3.0))
    async with running_bot(settings, slow, OPEN_TIME) as bot:
        call = asyncio.ensure_future(place_call(settings, tmp_path / "late", segments=[(2.0, q), (13.0, q)],
                                                seconds=40))  # room for the transfer prompt after the 2nd late turn
        first = await wait_for_event(bot.hub, "asr_late", timeout=40)
        reprompt = await wait_for_event(bot.hub, "say", timeout=20, key="asr_late")
        assert reprompt.seq > first.seq
        transfer = await wait_for_event(bot.hub, "handoff", timeout=40, service="accueil")
        await call
        late = [e for e in bot.hub.history if e.kind == "asr_late"]
        assert len(late) >= 2 and transfer.seq > late[1].seq
        assert not [e for e in bot.hub.history if e.kind == "transcript"]  # no late text was used
