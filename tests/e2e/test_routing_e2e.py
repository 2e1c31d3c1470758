"""Issue 5 end to end on the real Asterisk: a real caller UA, auto-answering agent softphones, real Kannel."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from callhelpers import channels_at, live_call, place_call, synth_wav, wait_for_event
from conftest import OPEN_TIME, agent_phone, phone, running_bot, write_tone

from ivr.call import events as ev
from ivr.probe.call import ProbeCall, build_timeline

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

PARIS = ZoneInfo("Europe/Paris")


async def test_spoken_question_is_answered_after_barge_in(bot, engines, test_settings, tmp_path: Path) -> None:
    q = await synth_wav(engines, "Je voudrais faire un passeport.", "fr", tmp_path / "q.wav")
    result = await place_call(test_settings, tmp_path, segments=[(2.0, q)], seconds=16)
    assert result.established
    barge = await wait_for_event(bot.hub, ev.BargeIn)
    assert barge.body.latency_s < 0.3
    transcript = await wait_for_event(bot.hub, ev.Transcript)
    assert "passeport" in transcript.body.text.lower()
    intent = await wait_for_event(bot.hub, ev.IntentMatched)
    assert intent.body.intent == "passport"
    assert intent.body.decision == "answer"
    answer = await wait_for_event(bot.hub, ev.Said, key="answer:passport")
    assert "passeport" in answer.body.text.lower()
    # the caller heard the answer: several seconds of bot speech after the question
    assert result.heard_voiced_seconds > 6


async def test_sms_with_the_link_reaches_kannel(asterisk, engines, kannel, kannel_settings, tmp_path: Path) -> None:
    q = await synth_wav(engines, "Je voudrais faire un passeport.", "fr", tmp_path / "q.wav")
    async with running_bot(kannel_settings, engines, OPEN_TIME) as bot:
        # the caller accepts the SMS offer with the keypad (1 = yes) as soon as the offer starts (pressed at a
        # fixed second, a loaded machine could still be recognising the question or already past the offer)
        async with live_call(kannel_settings, tmp_path, segments=[(2.0, q)]) as call:
            await wait_for_event(bot.hub, ev.Said, timeout=40, key="sms_offer")
            await call.press("1")
            await wait_for_event(bot.hub, ev.SmsQueued, timeout=20)
        for _ in range(100):
            got = kannel.received()
            if got:
                break
            await asyncio.sleep(0.2)
    assert got, "no SMS reached the fake SMSC"
    assert got[-1].receiver.endswith("612345678")
    assert "villeneuve-sur-loire.example" in got[-1].text


async def test_asking_for_a_person_rings_an_agent_with_the_summary(bot, engines, test_settings, tmp_path: Path) -> None:
    q = await synth_wav(engines, "Je voudrais parler à un conseiller, s'il vous plaît.", "fr", tmp_path / "q.wav")
    later = await synth_wav(engines, "Je voudrais faire un passeport.", "fr", tmp_path / "later.wav")
    async with agent_phone(test_settings, tmp_path / "agent", "agent2") as agent:
        done = asyncio.Event()
        caller = ProbeCall(test_settings, tmp_path / "caller", segments=[(2.0, q)], seconds=60, hangup_on=done)
        call = asyncio.create_task(caller.run(test_settings.asterisk.did))
        handoff = await wait_for_event(bot.hub, ev.Handoff, timeout=20, has=("summary",))
        assert handoff.body.service == "accueil"
        assert handoff.body.summary
        incoming = await agent.wait_event("CALL_INCOMING", "CALL_ESTABLISHED", "CALL_REMOTE_SDP", timeout=15)
        # the citizen speaks to the agent once the agent has answered (not at a fixed second of the call: on a
        # busy machine the queue may take longer to ring); the phone hangs up when its source ends: pad it
        if incoming.type != "CALL_ESTABLISHED":
            await agent.wait_event("CALL_ESTABLISHED", timeout=20)
        build_timeline([(1.0, later)], 30, tmp_path / "later-padded.wav")
        assert caller.ua is not None
        await caller.ua.set_source(tmp_path / "later-padded.wav")
        # live assist: the citizen's words while talking to the agent are transcribed, with a suggestion
        heard = await wait_for_event(bot.hub, ev.AgentTranscript, timeout=25, speaker="caller")
        text = heard.body.text.lower()
        assert text.strip()
        # the snooped leg crosses two more codec passes: when the words survive, a suggestion follows
        if "passeport" in text:
            suggestion = await wait_for_event(bot.hub, ev.Suggestion, timeout=10)
            assert suggestion.body.intent == "passport"
            assert suggestion.body.link
        done.set()
        result = await call
    # the agent's phone shows the bot's summary as the caller-id name
    assert "IVR:" in str(incoming.raw)
    assert result.established


async def test_no_agent_press_1_callback_is_dialled_later(bot, engines, test_settings, tmp_path: Path) -> None:
    q = await synth_wav(engines, "Je voudrais parler à un conseiller.", "fr", tmp_path / "q.wav")
    # key 1 once the caller waits in the queue (the transfer prompt took > 13 s on a loaded machine: a fixed
    # second lands before the queue or after its 25 s timeout)
    earlier = {c["id"] for c in await bot.ari.list_channels()}
    async with live_call(test_settings, tmp_path / "caller", segments=[(2.0, q)]) as call:
        await channels_at(bot.ari, app="Queue", timeout=60, ignore=earlier)
        await call.press("1")
        cb_event = await wait_for_event(bot.hub, ev.CallbackScheduled, timeout=20)
    assert cb_event.body.service == "accueil"
    pending = await bot.scheduler.find(("pending",))
    assert len(pending) == 1 and pending[0].number.endswith("612345678")
    # now an agent logs in and the citizen's phone is reachable on the trunk: the scheduler dials
    a = test_settings.asterisk
    host, port = a.trunk_contact.split(":")
    citizen_account = f"<sip:0612345678@{host}:{port}>;regint=0;answermode=auto"
    (tmp_path / "citizen").mkdir()
    write_tone(tmp_path / "citizen" / "voice.wav", 90, freq=500)
    async with (
        phone(tmp_path / "citizen", sip_host=host, sip_port=int(port), account=citizen_account, auto_answer=True,
              source_wav=tmp_path / "citizen" / "voice.wav") as citizen,
        agent_phone(test_settings, tmp_path / "agent", "agent3") as agent,
    ):
        # the agent is rung first (and hears the summary), then the citizen's phone rings
        await agent.wait_event("CALL_ESTABLISHED", "CALL_RTPESTAB", "CALL_REMOTE_SDP", timeout=30)
        await citizen.wait_event("CALL_ESTABLISHED", "CALL_RTPESTAB", "CALL_REMOTE_SDP", timeout=40)
        # the dialer bridges the two legs after the citizen answers: hang up once they talk, not after a fixed
        # 2 s (on a loaded machine the agent hung up before the bridge and the callback counted as failed)
        await _two_legs_bridged(bot)
        await agent.hangup()  # the conversation ends
        for _ in range(100):
            done = await bot.scheduler.find(("done",))
            if done:
                break
            await asyncio.sleep(0.2)
        assert done, f"callback not completed: {await bot.scheduler.find(('pending', 'dialling', 'failed'))}"
        assert done[0].outcome == "completed"
    heard, _ = citizen.recordings()
    assert heard is not None  # the citizen's phone carried the call with the agent


async def _two_legs_bridged(bot, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until Asterisk holds a bridge joining two channels (the agent and the citizen)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(len(b.get("channels", [])) >= 2 for b in await bot.ari.list_bridges()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the agent and the citizen were not bridged within {timeout} s")
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("at", "key"),
    [
        (datetime(2026, 11, 22, 15, 0, tzinfo=PARIS), "greeting_closed"),  # a Sunday
        (datetime(2026, 7, 14, 10, 0, tzinfo=PARIS), "greeting_holiday"),  # Bastille Day
    ],
)
async def test_out_of_hours_greeting(asterisk, engines, test_settings, tmp_path: Path, at: datetime, key: str) -> None:
    async with running_bot(test_settings, engines, at) as b:
        await place_call(test_settings, tmp_path, seconds=4)
        say = await wait_for_event(b.hub, ev.Said)
        assert say.body.key == key


async def test_emergency_phrase_gets_the_emergency_path(bot, engines, test_settings, tmp_path: Path) -> None:
    q = await synth_wav(engines, "Appelez les pompiers, ma maison brûle !", "fr", tmp_path / "q.wav")
    await place_call(test_settings, tmp_path, segments=[(2.0, q)], seconds=25)
    intent = await wait_for_event(bot.hub, ev.IntentMatched)
    assert intent.body.decision == "emergency"
    hangup = await wait_for_event(bot.hub, ev.Hangup, timeout=15)
    assert hangup.body.outcome == "emergency"
    says = [e.body for e in bot.hub.history if isinstance(e.body, ev.Said) and e.seq > intent.seq]
    assert says and all(not s.interruptible for s in says)
    assert any("18" in s.text or "112" in s.text for s in says)
    assert not any(isinstance(e.body, ev.Handoff) for e in bot.hub.history)
