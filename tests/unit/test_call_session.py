"""One call end to end on virtual time: fake ARI and media, scripted engines, the real dialog and VAD."""

from __future__ import annotations

import asyncio

from ivr.call import events as ce
from ivr.call.events import CallEvent
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


def _kinds(bot: FakeBot) -> list[str]:
    return [e.kind for e in bot.hub.history]


def _of(bot: FakeBot, cls: type) -> list[CallEvent]:
    return [e for e in bot.hub.history if isinstance(e.body, cls)]


async def _run(bot: FakeBot, media: FakeMedia, seconds: float) -> Outcome:
    task = asyncio.create_task(_session(bot, media).run())
    await settle()
    await run_until(bot.clock, task.done, seconds)
    assert task.done(), f"call still running after {seconds} s: {_kinds(bot)}"
    return task.result()


async def test_question_over_the_greeting_barges_in_and_gets_its_answer() -> None:
    bot = fake_bot(transcripts=["je voudrais un passeport"], answers={"je voudrais un passeport": "passport"})
    media = FakeMedia(bot.clock, speech=(Speech(at=0.7, seconds=1.0),), hangup_at=9.0)
    outcome = await _run(bot, media, 10)

    assert bot.ari.ops("answer") == [("answer", "chan-1")]
    kinds = _kinds(bot)
    assert kinds[:2] == ["started", "start"]
    [barge] = _of(bot, ce.BargeIn)
    opening = ("greeting_open", "language_offer", "how_can_i_help")  # 0.5 s each
    assert barge.body.key in opening[1:]  # type: ignore[union-attr]
    assert barge.body.latency_s < 0.3  # type: ignore[union-attr]
    [start] = _of(bot, ce.SpeechStart)
    assert abs(start.body.t - 0.7) < 0.05  # type: ignore[union-attr]
    assert kinds.index("barge_in") < kinds.index("speech_start") < kinds.index("speech_end") < kinds.index("transcript")
    [intent] = _of(bot, ce.IntentMatched)
    assert (intent.body.intent, intent.body.text) == ("passport", "je voudrais un passeport")  # type: ignore[union-attr]
    said = [e.body.key for e in _of(bot, ce.Said)]  # type: ignore[union-attr]
    assert "answer:passport" in said and said.index("answer:passport") > said.index("greeting_open")
    assert [e.body.key for e in _of(bot, ce.PromptStopped)] == [barge.body.key]  # type: ignore[union-attr]
    assert abs(bot.stt.heard_seconds[0] - 1.0) < 0.6  # the utterance, with its pre- and post-roll
    # the caller hangs up during the SMS offer: the call ends, its hang-up is the last event, and the call
    # counts as resolved (they had their answer), not abandoned
    assert bot.hub.history[-1].body == ce.Hangup(outcome)
    assert outcome is Outcome.RESOLVED
    assert media.closed and media.sent_seconds > 2


async def test_silence_reprompts_then_the_bot_says_goodbye() -> None:
    bot = fake_bot()
    media = FakeMedia(bot.clock)
    outcome = await _run(bot, media, 60)
    no_inputs = [e.body for e in _of(bot, rec.NoInputCounted)]
    assert [n.count for n in no_inputs] == list(range(1, len(no_inputs) + 1)) and len(no_inputs) >= 2  # type: ignore[union-attr]
    assert bot.ari.ops("hangup") == [("hangup", "chan-1")]
    assert outcome is Outcome.ABANDONED
    assert not _of(bot, ce.SpeechStart)


async def test_asking_for_a_person_hands_off_with_a_summary() -> None:
    bot = fake_bot(transcripts=["je veux parler à quelqu'un"], answers={"je veux parler à quelqu'un": "human_agent"})
    media = FakeMedia(bot.clock, speech=(Speech(at=3.0, seconds=1.0),))
    outcome = await _run(bot, media, 12)
    [handoff] = _of(bot, ce.Handoff)
    assert handoff.body.service == "accueil" and handoff.body.reason is ce.HandoffReason.QUEUE  # type: ignore[union-attr]
    assert "parler" in handoff.body.summary  # type: ignore[union-attr]
    assert ("continue", "chan-1", "ivr-queue", "accueil") in bot.ari.requests
    assert ("set_variable", "chan-1", "IVR_CALL_ID", handoff.call_id) in bot.ari.requests
    assert outcome is Outcome.TRANSFERRED
    assert "hangup" not in _kinds(bot)  # the call lives on in the queue


async def test_keypad_digit_reaches_the_dialog() -> None:
    bot = fake_bot()
    media = FakeMedia(bot.clock, hangup_at=6.0)
    session = _session(bot, media)
    task = asyncio.create_task(session.run())
    await run_for(bot.clock, 3.0)
    session.on_dtmf("9")
    await run_until(bot.clock, task.done, 4.0)
    assert task.done()
    assert [e.body.digit for e in _of(bot, rec.DtmfPressed)] == ["9"]  # type: ignore[union-attr]
    assert [e.body.lang for e in _of(bot, rec.LanguageChosen)] == ["en"]  # type: ignore[union-attr]


async def test_an_ari_failure_mid_call_sends_the_caller_to_reception() -> None:
    from ivr.errors import AriError

    bot = fake_bot(transcripts=["je veux parler à quelqu'un"], answers={"je veux parler à quelqu'un": "human_agent"})
    bot.ari.fail("set_variable", AriError("boom", status=500))
    media = FakeMedia(bot.clock, speech=(Speech(at=3.0, seconds=1.0),))
    outcome = await _run(bot, media, 12)
    assert outcome is Outcome.FAILED
    assert ("continue", "chan-1", "ivr-fallback", "s") in bot.ari.requests
    assert [e.body.reason for e in _of(bot, ce.Handoff)] == [ce.HandoffReason.ERROR]  # type: ignore[union-attr]
    assert _of(bot, ce.CallError)
