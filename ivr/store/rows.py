"""What one call event becomes in the database: a pure mapping, tested without a database.

``started`` creates the call (the writer does it on first sight); ``intent`` (caller's words + match) and
``agent_transcript`` add turns; a ``say`` with ``text`` adds a bot turn; ``language`` and ``callback`` update
the call; ``handoff`` (``transfer`` in rows stored before the typed events) closes it as transferred (a later
``hangup`` after a queue exit overrides the outcome, and a ``queue_abandoned`` makes it abandoned); every event
is also kept in ``call_events`` (without the caller's number, which lives only in ``calls``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ivr.store.records import Outcome

log = logging.getLogger(__name__)

_NOT_STORED_IN_EVENTS = frozenset({"number"})
_OUTCOMES = frozenset(o.value for o in Outcome)
HANDOFF_KINDS = frozenset({"handoff", "transfer"})
"""The call left the bot for a human (``transfer`` is the kind stored before the typed call events)."""


class EventLike(Protocol):
    """What the store reads from an event (``ivr.call.events.CallEvent`` fits)."""

    @property
    def call_id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class TurnPlan:
    """A turn to append (its number is assigned by the writer)."""

    speaker: str
    text: str | None
    intent: str | None = None
    decision: str | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class RowPlan:
    """The rows one event adds or changes."""

    call_id: str
    at: datetime
    kind: str
    data: dict[str, Any]
    turn: TurnPlan | None = None
    call_update: dict[str, Any] = field(default_factory=dict)


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in data.items() if k not in _NOT_STORED_IN_EVENTS}
    loaded: dict[str, Any] = json.loads(json.dumps(clean, default=str))
    return loaded


def _turn(ev: EventLike) -> TurnPlan | None:
    d = ev.data
    if ev.kind == "intent":
        score = d.get("score")
        return TurnPlan("caller", d.get("text"), d.get("intent"), d.get("decision"),
                        float(score) if score is not None else None)
    if ev.kind == "agent_transcript" and d.get("text"):
        return TurnPlan("agent", str(d["text"]))
    if ev.kind == "say" and d.get("text"):
        return TurnPlan("bot", str(d["text"]))
    return None


def _call_update(ev: EventLike) -> dict[str, Any]:
    d = ev.data
    if ev.kind == "language" and d.get("lang"):
        return {"lang": str(d["lang"])}
    if ev.kind == "callback" and d.get("service"):
        return {"service": str(d["service"])}
    if ev.kind in HANDOFF_KINDS:
        service = str(d.get("service") or "") or None
        values: dict[str, Any] = {
            "ended_at": ev.at, "outcome": str(Outcome.EMERGENCY if service == "emergency" else Outcome.TRANSFERRED)}
        if service is not None:
            values["service"] = service
        if d.get("summary"):
            values["summary"] = str(d["summary"])
        return values
    if ev.kind == "queue_abandoned":
        return {"ended_at": ev.at, "outcome": str(Outcome.ABANDONED)}
    if ev.kind == "hangup":
        ended = str(d.get("outcome") or Outcome.ABANDONED)
        if ended not in _OUTCOMES:
            log.warning("unknown outcome %r stored as failed", ended)
            ended = str(Outcome.FAILED)
        return {"ended_at": ev.at, "outcome": ended}
    return {}


def plan_rows(ev: EventLike) -> RowPlan:
    """The rows ``ev`` adds to the database."""
    return RowPlan(ev.call_id, ev.at, ev.kind, _jsonable(ev.data), _turn(ev), _call_update(ev))
