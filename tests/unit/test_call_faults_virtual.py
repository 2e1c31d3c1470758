"""Issue 11 item 13: abuse and odd callers on virtual time, each call ends in a defined outcome.

A keypad flood, 10 minutes of silence, a 2-minute monologue, and a hang-up at every moment of a call: the real
session, dialog, VAD segmenter and player with fake ARI/media and scripted engines. The short real-call
versions are in ``tests/e2e/test_call_faults.py``.
"""

from __future__ import annotations

import asyncio

import pytest

from ivr.call import events as ce
from ivr.call.session import CallSession
from ivr.dialog import records as rec
from ivr.enums import Outcome
from ivr.testing.fake_bot import FakeBot, fake_bot
from ivr.testing.fake_media import FakeMedia, Speech, run_for, run_until, settle


def _session(bot: FakeBot, media: FakeMedia) -> CallSession:
    async def connect() -> tuple[FakeMedia, object]:
        async def release() -> None:
            await media.aclose()

        return media, release

    return CallSession(bot.services, "chan-1", "+33612345678", connect_media=connect)  # type: ignore[arg-type]


def _ended(bot: FakeBot) -> bool:
    """The call left the bot on purpose: hung up with an outcome, or handed to a person."""
    return any(isinstance(e.body, (ce.Hangup, ce.Handoff)) for e in bot.hub.history)


async def test_a_keypad_flood_ends_in_a_defined_outcome() -> None:
    bot = fake_bot()
    media = FakeMedia(bot.clock, hangup_at=None)
    session = _session(bot, media)
    task = asyncio.create_task(session.run())
    await run_for(bot.clock, 2.0)
    for i in range(2000):  # an autodialler: 2,000 keys at once
        session.on_dtmf("1234567890*#"[i % 12])
    await run_until(bot.clock, task.done, 300)
    assert task.done(), [e.kind for e in bot.hub.history][-20:]
    assert task.result() in set(Outcome)
    assert _ended(bot)
    pressed = [e for e in bot.hub.history if isinstance(e.body, rec.DtmfPressed)]
    assert len(pressed) <= 40  # the inbox keeps 32: the rest of the flood was dropped, not queued


async def test_ten_minutes_of_silence_end_the_call_long_before() -> None:
    bot = fake_bot()
    media = FakeMedia(bot.clock)  # an open line, nobody speaks, nobody hangs up
    task = asyncio.create_task(_session(bot, media).run())
    await settle()
    await run_until(bot.clock, task.done, 600)
    assert task.done()
    assert bot.clock.monotonic() < 120  # re-prompts, then goodbye: never ten minutes of an open line
    assert task.result() is Outcome.ABANDONED and _ended(bot)
    assert bot.ari.ops("hangup") == [("hangup", "chan-1")]


async def test_a_two_minute_monologue_is_cut_and_answered() -> None:
    bot = fake_bot(transcripts=["je voudrais un passeport"] * 20, answers={"je voudrais un passeport": "passport"})
    media = FakeMedia(bot.clock, speech=(Speech(at=3.0, seconds=120.0),), hangup_at=200.0)
    task = asyncio.create_task(_session(bot, media).run())
    await settle()
    await run_until(bot.clock, task.done, 240)
    assert task.done()
    assert task.result() in set(Outcome) and _ended(bot)
    # the segmenter cuts at max_utterance_s: the bot hears pieces of 15 s, never waits for the end of 2 minutes
    assert bot.stt.heard_seconds and max(bot.stt.heard_seconds) <= 16.0
    first_answer = next(e for e in bot.hub.history if isinstance(e.body, rec.Answered))
    assert (first_answer.at - bot.hub.history[0].at).total_seconds() < 30  # answered during the monologue


@pytest.mark.parametrize("hangup_at", [0.3, 1.0, 2.5, 3.5, 4.2, 5.0, 6.5, 8.0, 10.0, 14.0])
async def test_a_hang_up_at_any_moment_ends_the_call_cleanly(hangup_at: float) -> None:
    """Greeting, listening, speech, recognition, answer, follow-up: whichever state the hang-up falls in."""
    bot = fake_bot(transcripts=["je voudrais un passeport"], answers={"je voudrais un passeport": "passport"})
    media = FakeMedia(bot.clock, speech=(Speech(at=3.0, seconds=1.5),), hangup_at=hangup_at)
    session = _session(bot, media)
    task = asyncio.create_task(session.run())
    await settle()
    await run_until(bot.clock, lambda: bot.clock.monotonic() >= hangup_at, hangup_at + 1)
    session.on_hangup()  # Asterisk reports it as the media closes
    await run_until(bot.clock, task.done, 30)
    assert task.done(), f"still running after a hang-up at {hangup_at} s"
    # a caller who heard their answer before hanging up was resolved; before that, they abandoned
    answered = any(isinstance(e.body, rec.Answered) for e in bot.hub.history)
    expected = Outcome.RESOLVED if answered else Outcome.ABANDONED
    assert task.result() is expected
    [hangup] = [e.body for e in bot.hub.history if isinstance(e.body, ce.Hangup)]
    assert hangup.outcome is expected  # type: ignore[union-attr]
    assert media.closed
