"""The city's figures, computed from each conversation's stored event stream (pure: no database here).

A city judges its switchboard by a few numbers (Suresnes: "60 % handled at the first level"; Plaisir:
"unanswered calls from 70 % to almost none"). Every conversation in the period gets exactly one
:class:`Verdict`, checked in this order, so the verdicts add up to ``calls``:

1. ``emergency``: an emergency was detected (``emergency`` event, or a hand-off to ``emergency``).
2. ``unanswered``: the caller hung up while waiting in a queue (``queue_abandoned``), or a callback asked
   during the conversation was never completed (failed, or still waiting past its promised deadline).
3. ``handed_to_service``: the conversation reached a specialised service (any service but reception): a
   transfer the caller did not abandon, or a callback from that service completed or still within its promise.
4. ``resolved_by_reception``: it reached the reception desk the same way and went no further. A transfer
   the reception agent makes by hand on their phone is not seen by the bot and counts here.
5. ``resolved_by_bot``: the bot gave at least one answer and handed nothing on.
6. ``not_resolved``: the rest (the caller hung up before any answer, or a technical failure).

"Resolved at the first level" is 4 + 5. A *wait* is the time a caller spent in a queue before an agent
answered or before they hung up (Asterisk's ``HoldTime``); queue exits back to the bot (timeout, key 1) are
not waits. The p90 is the nearest-rank percentile. A callback is *completed within the promise* when it
ended ``done`` no later than ``not_before`` (the opening it was promised for) plus ``promise``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

Channel = Literal["phone", "chat"]
CHAT_PREFIX = "chat:"
"""``calls.channel_id`` of a web-chat conversation starts with this."""
HANDOFF_KINDS = frozenset({"transfer", "handoff"})
FIGURE_KINDS = frozenset(HANDOFF_KINDS | {
    "callback", "queue_abandoned", "agent_answered", "emergency", "answer", "intent", "hangup",
})
"""The event kinds the figures read (the loader fetches only these)."""


class Verdict(StrEnum):
    """How one conversation counts in the figures."""

    EMERGENCY = "emergency"
    UNANSWERED = "unanswered"
    HANDED_TO_SERVICE = "handed_to_service"
    RESOLVED_BY_RECEPTION = "resolved_by_reception"
    RESOLVED_BY_BOT = "resolved_by_bot"
    NOT_RESOLVED = "not_resolved"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One entry of a conversation's stream, as stored."""

    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Conversation:
    """A call or a chat, with the events the figures read."""

    call_id: str
    started_at: datetime
    channel: Channel
    events: tuple[StoredEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class CallbackFact:
    """A callback request as the figures need it."""

    call_id: str | None
    service: str
    created_at: datetime
    not_before: datetime
    status: str
    """``pending``, ``dialling``, ``done``, ``failed`` or ``cancelled``."""
    finished_at: datetime | None
    """When the last attempt happened (the completion time for ``done``)."""


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of one period and channel."""

    calls: int
    verdicts: Mapping[str, int]
    abandoned_in_queue: int
    callbacks_requested: int
    callbacks_completed: int
    """Done within the promise."""
    callbacks_late: int
    callbacks_failed: int
    callbacks_pending: int
    waits: int
    wait_avg_s: float | None
    wait_p90_s: float | None
    top_intents: tuple[tuple[str, int], ...]
    top_unanswered: tuple[tuple[str, int], ...]
    emergencies_by_case: Mapping[str, int]

    def count(self, verdict: Verdict) -> int:
        """Conversations with that verdict."""
        return self.verdicts.get(verdict, 0)

    @property
    def resolved_first_level(self) -> int:
        """Resolved by the bot alone or by reception without a specialised service."""
        return self.count(Verdict.RESOLVED_BY_BOT) + self.count(Verdict.RESOLVED_BY_RECEPTION)

    def rate(self, n: int) -> float | None:
        """``n`` as a share of the conversations (``None`` without any)."""
        return None if not self.calls else round(n / self.calls, 4)

    def as_dict(self) -> dict[str, Any]:
        """The ``ivr stats --json`` keys."""
        return {
            "calls": self.calls,
            "resolved_first_level": self.resolved_first_level,
            "resolved_by_bot": self.count(Verdict.RESOLVED_BY_BOT),
            "resolved_by_reception": self.count(Verdict.RESOLVED_BY_RECEPTION),
            "handed_to_service": self.count(Verdict.HANDED_TO_SERVICE),
            "unanswered": self.count(Verdict.UNANSWERED),
            "emergencies": self.count(Verdict.EMERGENCY),
            "not_resolved": self.count(Verdict.NOT_RESOLVED),
            "abandoned_in_queue": self.abandoned_in_queue,
            "callbacks_requested": self.callbacks_requested,
            "callbacks_completed": self.callbacks_completed,
            "callbacks_late": self.callbacks_late,
            "callbacks_failed": self.callbacks_failed,
            "callbacks_pending": self.callbacks_pending,
            "first_level_rate": self.rate(self.resolved_first_level),
            "handed_rate": self.rate(self.count(Verdict.HANDED_TO_SERVICE)),
            "unanswered_rate": self.rate(self.count(Verdict.UNANSWERED)),
            "waits": self.waits,
            "wait_avg_s": self.wait_avg_s,
            "wait_p90_s": self.wait_p90_s,
            "top_intents": [{"intent": i, "count": n} for i, n in self.top_intents],
            "top_unanswered": [{"text": t, "count": n} for t, n in self.top_unanswered],
            "emergencies_by_case": dict(self.emergencies_by_case),
        }


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value with at least 90 % of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _callback_state(cb: CallbackFact, now: datetime, promise: timedelta) -> str:
    """``completed``, ``late``, ``failed``, ``pending`` (within promise), ``overdue`` or ``cancelled``."""
    deadline = cb.not_before + promise
    if cb.status == "done":
        return "completed" if cb.finished_at is None or cb.finished_at <= deadline else "late"
    if cb.status in ("failed", "cancelled"):
        return cb.status
    return "pending" if now <= deadline else "overdue"


def verdict(conv: Conversation, callbacks: Iterable[CallbackFact], *, reception: str, now: datetime,
            promise: timedelta) -> Verdict:
    """The one verdict of a conversation (see the module docstring for the order)."""
    services: list[str] = []
    emergency = abandoned = answered = False
    for ev in conv.events:
        service = str(ev.data.get("service") or "")
        if ev.kind == "emergency" or (ev.kind in HANDOFF_KINDS and service == "emergency"):
            emergency = True
        elif ev.kind in HANDOFF_KINDS and service:
            services.append(service)
        elif ev.kind == "queue_abandoned":
            abandoned = True
        elif ev.kind == "answer":
            answered = True
    if emergency:
        return Verdict.EMERGENCY
    states = {cb.service: _callback_state(cb, now, promise) for cb in callbacks}
    if abandoned or any(s in ("failed", "overdue") for s in states.values()):
        return Verdict.UNANSWERED
    reached = set(services) | {s for s, st in states.items() if st in ("completed", "late", "pending")}
    if reached - {reception}:
        return Verdict.HANDED_TO_SERVICE
    if reached:
        return Verdict.RESOLVED_BY_RECEPTION
    return Verdict.RESOLVED_BY_BOT if answered else Verdict.NOT_RESOLVED


def _question_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w']+", " ", text.casefold()).split())


def _top(counter: Counter[str], limit: int) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])


def compute(
    conversations: Sequence[Conversation],
    callbacks: Sequence[CallbackFact],
    *,
    reception: str,
    now: datetime,
    promise: timedelta,
    limit: int = 10,
) -> Figures:
    """The figures of these conversations and of the callbacks requested from them (or from the web form).

    ``callbacks`` are the requests of the period: those with a ``call_id`` belong to that conversation; those
    without (the chat's callback form) count in the callback figures only.
    """
    by_call: dict[str, list[CallbackFact]] = {}
    for cb in callbacks:
        if cb.call_id is not None:
            by_call.setdefault(cb.call_id, []).append(cb)
    verdicts: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    wording: dict[str, str] = {}
    cases: Counter[str] = Counter()
    waits: list[float] = []
    abandoned = 0
    for conv in conversations:
        verdicts[verdict(conv, by_call.get(conv.call_id, ()), reception=reception, now=now, promise=promise)] += 1
        asked: set[str] = set()
        for ev in conv.events:
            d = ev.data
            abandoned += ev.kind == "queue_abandoned"
            if ev.kind in ("queue_abandoned", "agent_answered") and d.get("wait_s") is not None:
                waits.append(float(d["wait_s"]))
            elif ev.kind == "intent" and d.get("decision") == "answer" and d.get("intent"):
                asked.add(str(d["intent"]))
            elif ev.kind == "intent" and d.get("decision") == "abstain" and d.get("text"):
                key = _question_key(str(d["text"]))
                if key:
                    questions[key] += 1
                    wording.setdefault(key, str(d["text"]).strip())
            elif ev.kind == "emergency":
                cases[str(d.get("case") or "unknown")] += 1
        intents.update(asked)
    states = Counter(_callback_state(cb, now, promise) for cb in callbacks)
    return Figures(
        calls=len(conversations),
        verdicts=dict(verdicts),
        abandoned_in_queue=abandoned,
        callbacks_requested=len(callbacks),
        callbacks_completed=states["completed"],
        callbacks_late=states["late"],
        callbacks_failed=states["failed"] + states["overdue"],
        callbacks_pending=states["pending"],
        waits=len(waits),
        wait_avg_s=round(sum(waits) / len(waits), 1) if waits else None,
        wait_p90_s=p90(waits),
        top_intents=_top(intents, limit),
        top_unanswered=tuple((wording[k], n) for k, n in _top(questions, limit)),
        emergencies_by_case=dict(cases),
    )
