"""How each load-test call ended, judged from the bot's own call events (SIPp cannot record what it hears).

Pure: events and SIPp's marks in, one :class:`CallOutcome` per caller out, so the rules are unit-tested
without a call. A caller asks one question; then

- ``handed_off``: the call went to a person (a ``transfer`` event, or the bot never saw the call and
  Asterisk's dialplan answered it: that path only leads to the reception queue);
- ``callback``: a callback was scheduled;
- ``answered``: the bot said an ``answer:*`` prompt after the question;
- ``replied``: the bot said something else after the question (a re-prompt, a clarification);
- ``silent``: the bot had the call and said nothing after the question before the caller hung up;
- ``dropped``: the SIP call failed, or the bot's call ended in an error without a hand-off.

The reply latency stands in for what the caller hears: from the end of the question's speech to the first
prompt the bot starts playing after it. The bot declares the end of speech ``end_of_speech_s`` after the
last voiced frame, so the speech ended that long before its ``speech_end`` event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

Outcome = Literal["answered", "handed_off", "callback", "replied", "silent", "dropped"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "handed_off", "callback", "replied", "silent", "dropped")
DEFINED: frozenset[Outcome] = frozenset({"answered", "handed_off", "callback", "replied"})
"""Outcomes where the caller was not left alone: the target is that every call ends in one of these."""


class EventLike(Protocol):
    """What is read from a call event."""

    @property
    def call_id(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def kind(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


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


def by_number(events: Iterable[EventLike]) -> dict[str, list[EventLike]]:
    """The events of each call, keyed by the caller number of its ``started`` event."""
    calls: dict[str, list[EventLike]] = {}
    number_of: dict[str, str] = {}
    for e in events:
        if e.kind == "started" and "number" in e.data:
            number_of.setdefault(e.call_id, str(e.data["number"]))
        n = number_of.get(e.call_id)
        if n is not None:
            calls.setdefault(n, []).append(e)
    return calls


def judge(expected: Expected, events: Sequence[EventLike], marks: Sequence[str], end_of_speech_s: float,
          ) -> CallOutcome:
    """The outcome of one call from its bot events and its SIPp marks."""
    n = expected.number
    sip_ok = "ANSWERED" in marks and ("REMOTE_BYE" in marks or "LOCAL_BYE" in marks)
    if not events:
        # the dialplan only answers a call the bot did not take by sending it to reception
        return CallOutcome(n, "handed_off" if sip_ok else "dropped")
    call_id = events[0].call_id
    started = events[0].at
    speech_end = next((e for e in events if e.kind == "speech_end"), None)
    if speech_end is not None:
        question_end = speech_end.at.timestamp() - end_of_speech_s
        after = [e for e in events if e.at >= speech_end.at]
    else:
        question_end = started.timestamp() + expected.question_end_s
        after = [e for e in events if e.at.timestamp() >= question_end]
    transcript = next((e for e in after if e.kind == "transcript"), None)
    asr_s = float(transcript.data["asr_s"]) if transcript is not None and "asr_s" in transcript.data else None
    reply = next((e for e in after if e.kind == "say"), None)
    latency = None if reply is None else round(reply.at.timestamp() - question_end, 3)
    key = "" if reply is None else str(reply.data.get("key", ""))
    transfer = next((e for e in events if e.kind == "transfer"), None)
    if transfer is not None:
        return CallOutcome(n, "handed_off", latency, round(transfer.at.timestamp() - question_end, 3), asr_s,
                           None, key, call_id)
    if any(e.kind == "callback" for e in events):
        return CallOutcome(n, "callback", latency, None, asr_s, None, key, call_id)
    answer = next((e for e in after if e.kind == "say" and str(e.data.get("key", "")).startswith("answer:")), None)
    if answer is not None:
        correct = str(answer.data["key"]) == f"answer:{expected.intent}"
        return CallOutcome(n, "answered", latency, None, asr_s, correct, key, call_id)
    if not sip_ok or any(e.kind == "error" for e in events):
        return CallOutcome(n, "dropped", latency, None, asr_s, None, key, call_id)
    if reply is not None:
        return CallOutcome(n, "replied", latency, None, asr_s, None, key, call_id)
    return CallOutcome(n, "silent", None, None, asr_s, None, "", call_id)


def judge_all(expected: Iterable[Expected], events: Iterable[EventLike], marks: Mapping[str, Sequence[str]],
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
