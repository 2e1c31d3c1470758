"""How a load-test call ended, judged from the bot's events and SIPp's marks: the rules, one scenario each."""

from __future__ import annotations

from datetime import datetime, timedelta

from ivr.call.events import (
    CallbackScheduled,
    CallError,
    CallEvent,
    EventBody,
    Handoff,
    HandoffReason,
    Said,
    SpeechEnd,
    SpeechStart,
    Started,
    Transcript,
)
from ivr.enums import Speaker
from ivr.probe.outcomes import Expected, by_number, count, judge, judge_all

T0 = datetime(2026, 11, 24, 10, 0)
EOS = 0.6
DONE = ["ANSWERED", "LOCAL_BYE"]


def call(*items: tuple[float, EventBody], cid: str = "c1", number: str = "0600000001") -> list[CallEvent]:
    """A call's events: ``Started`` at T0, then (seconds, event) items."""
    bodies = [(0.0, Started(channel="ch", number=number)), *items]
    return [CallEvent(cid, i, T0 + timedelta(seconds=at), body) for i, (at, body) in enumerate(bodies, 1)]


def say(key: str) -> Said:
    return Said(key=key, lang="fr", interruptible=True, text="")


def heard(asr_s: float = 0.35, eos_wait_s: float = 0.6) -> Transcript:
    return Transcript(speaker=Speaker.CALLER, text="", asr_s=asr_s, eos_wait_s=eos_wait_s)


QUESTION = Expected("0600000001", "passport", question_end_s=4.0)
ASKED: list[tuple[float, EventBody]] = [(2.3, SpeechStart(2.3)), (4.6, SpeechEnd(4.6)), (5.0, heard())]


def test_an_answer_counts_from_the_end_of_speech_not_from_the_vad_decision() -> None:
    o = judge(QUESTION, call(*ASKED, (5.4, say("answer:passport"))), DONE, EOS)
    assert (o.outcome, o.latency_s, o.asr_s, o.correct, o.reply_key) == ("answered", 1.4, 0.35, True,
                                                                         "answer:passport")


def test_the_wrong_answer_is_an_answer_but_not_a_right_one() -> None:
    o = judge(QUESTION, call(*ASKED, (5.4, say("answer:id_card"))), DONE, EOS)
    assert (o.outcome, o.correct) == ("answered", False)


def test_a_transfer_is_a_hand_off_timed_from_the_question() -> None:
    events = call(*ASKED, (5.2, say("transfer_notice")), (6.0, Handoff("accueil", HandoffReason.QUEUE)))
    o = judge(QUESTION, events, ["ANSWERED", "REMOTE_BYE"], EOS)
    assert (o.outcome, o.handoff_s, o.latency_s) == ("handed_off", 2.0, 1.2)


def test_a_call_sent_to_people_before_its_question_has_a_negative_hand_off_time() -> None:
    o = judge(QUESTION, call((0.5, Handoff("accueil", HandoffReason.OVERLOAD))), DONE, EOS)
    assert (o.outcome, o.handoff_s) == ("handed_off", -3.5)


def test_a_callback_is_its_own_outcome() -> None:
    events = call(*ASKED, (5.4, say("callback_offer")), (9.0, CallbackScheduled("accueil", T0)))
    assert judge(QUESTION, events, DONE, EOS).outcome == "callback"


def test_a_re_prompt_is_a_reply_but_not_an_answer() -> None:
    o = judge(QUESTION, call(*ASKED, (5.4, say("no_match_1"))), DONE, EOS)
    assert (o.outcome, o.latency_s, o.correct) == ("replied", 1.4, None)


def test_the_greeting_before_the_question_is_not_a_reply() -> None:
    events = call((0.1, say("greeting_open")), *ASKED)
    o = judge(QUESTION, events, DONE, EOS)
    assert (o.outcome, o.latency_s, o.asr_s) == ("silent", None, 0.35)


def test_the_wait_for_the_end_of_speech_comes_from_the_transcript_when_it_says() -> None:
    quick = [(2.3, SpeechStart(2.3)), (4.6, SpeechEnd(4.6)), (5.0, heard(eos_wait_s=0.3))]
    assert judge(QUESTION, call(*quick, (5.4, say("answer:passport"))), DONE, EOS).latency_s == 1.1
    unsaid = [(2.3, SpeechStart(2.3)), (4.6, SpeechEnd(4.6)), (5.0, heard(eos_wait_s=0.0))]
    assert judge(QUESTION, call(*unsaid, (5.4, say("answer:passport"))), DONE, EOS).latency_s == 1.4


def test_a_call_whose_sip_side_never_ended_is_dropped() -> None:
    assert judge(QUESTION, call(*ASKED), ["ANSWERED"], EOS).outcome == "dropped"


def test_an_error_without_a_hand_off_is_a_drop() -> None:
    assert judge(QUESTION, call(*ASKED, (5.0, CallError("asr"))), DONE, EOS).outcome == "dropped"


def test_a_call_the_bot_never_saw_was_answered_by_the_dialplan_for_reception() -> None:
    assert judge(QUESTION, [], DONE, EOS).outcome == "handed_off"
    assert judge(QUESTION, [], [], EOS).outcome == "dropped"


def test_calls_are_matched_to_callers_by_number() -> None:
    a = call(*ASKED, (5.4, say("answer:passport")), cid="a", number="0600000001")
    b = call(*ASKED, cid="b", number="0600000002")
    mixed = sorted(a + b, key=lambda e: e.at)
    assert set(by_number(mixed)) == {"0600000001", "0600000002"}
    outcomes = judge_all([QUESTION, Expected("0600000002", "passport", 4.0), Expected("0600000003", "x", 4.0)],
                         mixed, {"0600000001": DONE, "0600000002": DONE}, EOS)
    assert [o.outcome for o in outcomes] == ["answered", "silent", "dropped"]
    assert count(outcomes) == {"answered": 1, "handed_off": 0, "callback": 0, "replied": 0, "silent": 1,
                               "dropped": 1}
