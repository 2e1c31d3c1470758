"""How each load-test call ended, judged from the bot's own call events (SIPp cannot record what it hears).

Pure: events and SIPp's marks in, one :class:`CallOutcome` per caller out, so the rules are unit-tested
without a call. A caller asks one question; then

- ``handed_off``: the call went to a person (a ``Handoff`` event, or the bot never saw the call and
  Asterisk's dialplan answered it: that path only leads to the reception queue);
- ``callback``: a callback was scheduled;
- ``answered``: the bot said an ``answer:*`` prompt after the question;
- ``replied``: the bot said something else after the question (a re-prompt, a clarification);
- ``silent``: the bot had the call and said nothing after the question before the caller hung up;
- ``dropped``: the SIP call failed, or the bot's call ended in an error without a hand-off.

The reply latency stands in for what the caller hears: from the end of the question's speech to the first
prompt the bot starts playing after it. The bot declares the end of speech ``end_of_speech_s`` after the
last voiced frame (the transcript's ``eos_wait_s``), so the speech ended that long before its ``SpeechEnd``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ivr.call.events import (
    CallbackScheduled,
    CallError,
    CallEvent,
    Handoff,
    Said,
    SpeechEnd,
    Started,
    Transcript,
)

Outcome = Literal["answered", "handed_off", "callback", "replied", "silent", "dropped"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "handed_off", "callback", "replied", "silent", "dropped")
DEFINED: frozenset[Outcome] = frozenset({"answered", "handed_off", "callback", "replied"})
"""Outcomes where the caller was not left alone: the target is that every call ends in one of these."""


@dataclass(frozen=True, slots=True)
class Expected:
    """One SIPp caller: its number, the question's intent, when the question ends after the answer."""

    number: str
    intent: str
    question_end_s: float
    """Seconds from the call being answered to the end of the question's speech (lead silence + speech)."""


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How one caller's call ended."""

    number: str
    outcome: Outcome
    latency_s: float | None = None
    """End of the question's speech -> first prompt played after it."""
    handoff_s: float | None = None
    """End of the question -> the hand-off (negative: handed off before the question ended)."""
    asr_s: float | None = None
    correct: bool | None = None
    """The answer was the question's intent (None when no answer)."""
    reply_key: str = ""
    call_id: str = ""


def by_number(events: Iterable[CallEvent]) -> dict[str, list[CallEvent]]:
    """The events of each call, keyed by the caller number of its ``Started`` event."""
    calls: dict[str, list[CallEvent]] = {}
    number_of: dict[str, str] = {}
    for e in events:
        if isinstance(e.body, Started):
            number_of.setdefault(e.call_id, e.body.number)
        n = number_of.get(e.call_id)
        if n is not None:
            calls.setdefault(n, []).append(e)
    return calls


def judge(expected: Expected, events: Sequence[CallEvent], marks: Sequence[str], end_of_speech_s: float,
          ) -> CallOutcome:
    """The outcome of one call from its bot events and its SIPp marks.

    ``end_of_speech_s`` is the VAD's wait when the transcript does not say how long it waited (``eos_wait_s``).
    """
    n = expected.number
    sip_ok = "ANSWERED" in marks and ("REMOTE_BYE" in marks or "LOCAL_BYE" in marks)
    if not events:
        # the dialplan only answers a call the bot did not take by sending it to reception
        return CallOutcome(n, "handed_off" if sip_ok else "dropped")
    call_id = events[0].call_id
    speech_end = next((e for e in events if isinstance(e.body, SpeechEnd)), None)
    after = [e for e in events if speech_end is not None and e.at >= speech_end.at]
    transcript = next((e.body for e in after if isinstance(e.body, Transcript)), None)
    if speech_end is not None:
        wait = transcript.eos_wait_s if transcript is not None and transcript.eos_wait_s > 0 else end_of_speech_s
        question_end = speech_end.at.timestamp() - wait
    else:  # the bot never heard the question (overflow, or deaf): when the caller finished asking it
        question_end = events[0].at.timestamp() + expected.question_end_s
        after = [e for e in events if e.at.timestamp() >= question_end]
    asr_s = transcript.asr_s if transcript is not None else None
    said = [(e, e.body) for e in after if isinstance(e.body, Said)]
    latency = round(said[0][0].at.timestamp() - question_end, 3) if said else None
    key = said[0][1].key if said else ""
    handoff = next((e for e in events if isinstance(e.body, Handoff)), None)
    if handoff is not None:
        return CallOutcome(n, "handed_off", latency, round(handoff.at.timestamp() - question_end, 3), asr_s,
                           None, key, call_id)
    if any(isinstance(e.body, CallbackScheduled) for e in events):
        return CallOutcome(n, "callback", latency, None, asr_s, None, key, call_id)
    answer = next((body for _, body in said if body.answered_intent is not None), None)
    if answer is not None:
        return CallOutcome(n, "answered", latency, None, asr_s, answer.answered_intent == expected.intent, key,
                           call_id)
    if not sip_ok or any(isinstance(e.body, CallError) for e in events):
        return CallOutcome(n, "dropped", latency, None, asr_s, None, key, call_id)
    if said:
        return CallOutcome(n, "replied", latency, None, asr_s, None, key, call_id)
    return CallOutcome(n, "silent", None, None, asr_s, None, "", call_id)


def judge_all(expected: Iterable[Expected], events: Iterable[CallEvent], marks: Mapping[str, Sequence[str]],
              end_of_speech_s: float) -> list[CallOutcome]:
    """One outcome per expected caller."""
    calls = by_number(events)
    return [judge(x, calls.get(x.number, []), marks.get(x.number, []), end_of_speech_s) for x in expected]


def count(outcomes: Iterable[CallOutcome]) -> dict[str, int]:
    """How many calls ended each way (every outcome listed, zeros included)."""
    totals: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    for o in outcomes:
        totals[o.outcome] += 1
    return totals
