"""Faults under real calls on the real Asterisk: a keypad flood from a real SIP phone, PostgreSQL restarted.

The long versions (ten minutes of silence, a two-minute monologue, a hang-up in every state) run on virtual
time in ``tests/unit/test_call_faults_virtual.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from callhelpers import live_call, place_call, synth_wav, wait_for_event
from conftest import OPEN_TIME, running_bot

from ivr.call import events as ce
from ivr.config import Settings
from ivr.dialog.records import Answered
from ivr.store import CallRepository
from ivr.testing.pgtemp import TempCluster, create_database, temp_cluster, unavailable_reason

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]


async def test_a_keypad_flood_from_a_real_phone_ends_in_a_defined_outcome(
    bot, test_settings: Settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    flood = "5*#0" * 6  # 24 keys as fast as the phone sends them
    async with live_call(test_settings, tmp_path, seconds=60) as call:
        await wait_for_event(bot.hub, ce.Said, timeout=20)  # the greeting is playing: the bot listens for keys
        await call.press(flood)
        end = await _end_of_call(bot, timeout=60)
        result = await call.end()
    assert result.established
    assert isinstance(end.body, (ce.Hangup, ce.Handoff))
    digits = [e for e in bot.hub.history if e.kind == "dtmf"]
    assert digits, "no keypad digit reached the bot"


async def _end_of_call(bot, timeout: float = 30.0) -> ce.CallEvent:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for e in bot.hub.history:
            if isinstance(e.body, (ce.Hangup, ce.Handoff)):
                return e
        await asyncio.sleep(0.1)
    raise AssertionError(f"the call never ended: {[e.kind for e in bot.hub.history]}")


@pytest.fixture(scope="module")
def pg() -> Iterator[TempCluster]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with temp_cluster() as cluster:
        yield cluster


async def test_postgresql_restarted_under_a_call_loses_no_event(
    asterisk, engines, pg: TempCluster, test_settings: Settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    url = await create_database(pg.url, "ivr_fault_restart")
    settings = dataclasses.replace(test_settings, store=dataclasses.replace(test_settings.store, url=url))
    question = await synth_wav(engines, "Quels sont les horaires de la mairie ?", "fr", tmp_path / "q.wav")
    async with running_bot(settings, engines, OPEN_TIME) as bot:
        call = asyncio.create_task(place_call(settings, tmp_path / "caller", segments=[(5.0, question)], seconds=18))
        await wait_for_event(bot.hub, "say", timeout=20)  # the call is live
        await asyncio.to_thread(pg.stop)  # the database crashes mid-call
        # the call goes on without it: the caller's question is heard and answered
        await wait_for_event(bot.hub, "intent", timeout=30)
        await asyncio.to_thread(pg.start)
        result = await call
        assert result.established
        await wait_for_event(bot.hub, "hangup", timeout=20)
        await bot.store_writer.flush(60)
        stats = bot.store_writer.stats
        assert stats.dropped == 0 and stats.refused == 0 and stats.retries >= 1
        call_id = bot.hub.history[0].call_id
        detail = await CallRepository(bot.db.sessions).get_call(call_id)
        live = [e.kind for e in bot.hub.history if e.call_id == call_id]
        assert [e.kind for e in detail.events] == live  # every event, in order


async def test_silence_on_a_real_call_ends_with_the_bot_hanging_up(
    bot, test_settings: Settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """Nobody speaks: re-prompts, then goodbye, and the bot hangs up (the phone would hold the line 90 s)."""
    result = await place_call(test_settings, tmp_path, seconds=90)
    assert result.established
    end = await _end_of_call(bot, timeout=90)
    assert isinstance(end.body, ce.Hangup) and end.body.outcome == "abandoned"
    closed = [e for e in result.events if e.type == "CALL_CLOSED"]
    assert closed and closed[0].at - (result.established_at or 0) < 85  # the bot hung up, not the phone


async def test_a_monologue_on_a_real_call_is_heard_while_it_goes_on(
    bot, engines, test_settings: Settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """Twenty seconds of speech without a break: the bot cuts it and answers; the call ends in an outcome."""
    text = ("Bonjour, je voudrais savoir les horaires de la mairie et aussi comment refaire mon passeport "
            "et ma carte d'identité et puis aussi inscrire mon fils à la cantine et au centre de loisirs "
            "pendant les vacances scolaires de la Toussaint et de Noël s'il vous plaît")
    speech = await synth_wav(engines, text, "fr", tmp_path / "monologue.wav")
    result = await place_call(test_settings, tmp_path / "caller", segments=[(4.0, speech)], seconds=40)
    assert result.established
    transcripts = [e for e in bot.hub.history if e.kind == "transcript"]
    assert transcripts, "the bot never heard the monologue"
    end = await _end_of_call(bot, timeout=30)
    assert isinstance(end.body, (ce.Hangup, ce.Handoff))


async def test_a_hang_up_while_the_bot_recognises_ends_the_call_cleanly(
    bot, engines, test_settings: Settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The caller asks, then hangs up as soon as the bot has the end of speech (recognition in flight)."""
    question = await synth_wav(engines, "Quels sont les horaires de la mairie ?", "fr", tmp_path / "q.wav")
    gone = asyncio.Event()
    call = asyncio.create_task(place_call(test_settings, tmp_path / "caller", segments=[(4.0, question)],
                                          seconds=30, hangup_on=gone))
    await wait_for_event(bot.hub, "speech_end", timeout=30)
    gone.set()
    result = await call
    assert result.established
    end = await _end_of_call(bot, timeout=20)
    assert isinstance(end.body, ce.Hangup)
    # on a fast machine the text is ready at the end of speech and the answer may start before the hang-up
    # lands: then the call counts as resolved (the answer was given); otherwise it was abandoned
    answered = [e for e in bot.hub.history if e.call_id == end.call_id and isinstance(e.body, Answered)]
    assert end.body.outcome == ("resolved" if answered else "abandoned"), (end.body.outcome, answered)
    assert not bot.router.sessions
