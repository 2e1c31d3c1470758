"""The database as a consumer of the call event stream: ``hub.add_sink(StoreSink(CallRepository(...)))``."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from ivr.store.callers import CallerKeys
from ivr.store.calls import CallRepository
from ivr.store.records import Outcome

log = logging.getLogger(__name__)

_NOT_STORED_IN_EVENTS = frozenset({"number"})
"""Fields kept out of ``call_events.data`` (the caller's number lives only in ``calls.caller_number``)."""


class EventLike(Protocol):
    """What the sink reads from an event (``ivr.call.events.CallEvent`` fits)."""

    @property
    def call_id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in data.items() if k not in _NOT_STORED_IN_EVENTS}
    loaded: dict[str, Any] = json.loads(json.dumps(clean, default=str))
    return loaded


class StoreSink:
    """Stores every event, and turns the meaningful ones into rows: call, turns, language, service, outcome.

    ``started`` creates the call; ``intent`` (caller's words + match) and ``agent_transcript`` add turns; a
    ``say`` with ``text`` adds a bot turn; ``language``, ``transfer``, ``callback`` update the call;
    ``transfer`` closes it as transferred (a later ``hangup`` after a queue exit overrides the outcome, and
    a ``queue_abandoned`` makes it abandoned).
    """

    def __init__(self, calls: CallRepository, *, max_known: int = 10_000, keys: CallerKeys | None = None) -> None:
        self._calls = calls
        self._keys = keys
        self._known: dict[str, None] = {}
        self._max_known = max_known

    async def _ensure(self, ev: EventLike) -> None:
        if ev.call_id in self._known:
            return
        if ev.kind == "started":
            number = str(ev.data["number"]) if ev.data.get("number") else None
            await self._calls.create_call(
                call_id=ev.call_id, started_at=ev.at, channel_id=str(ev.data.get("channel", "")),
                caller_number=number, caller_key=self._keys.key(number) if self._keys else None,
                lang=str(ev.data.get("lang", "fr")),
            )
        else:
            await self._calls.ensure_call(ev.call_id, started_at=ev.at)
        self._known[ev.call_id] = None
        if len(self._known) > self._max_known:
            self._known.pop(next(iter(self._known)))

    async def __call__(self, ev: EventLike) -> None:
        """Consume one event (the hub logs and swallows errors)."""
        await self._ensure(ev)
        d = ev.data
        cid = ev.call_id
        if ev.kind == "intent":
            score = d.get("score")
            await self._calls.add_turn(cid, at=ev.at, speaker="caller", text=d.get("text"), intent=d.get("intent"),
                                       decision=d.get("decision"),
                                       score=float(score) if score is not None else None)
        elif ev.kind == "agent_transcript" and d.get("text"):
            await self._calls.add_turn(cid, at=ev.at, speaker="agent", text=str(d["text"]))
        elif ev.kind == "say" and d.get("text"):
            await self._calls.add_turn(cid, at=ev.at, speaker="bot", text=str(d["text"]))
        elif ev.kind == "language" and d.get("lang"):
            await self._calls.update_call(cid, lang=str(d["lang"]))
        elif ev.kind == "callback" and d.get("service"):
            await self._calls.update_call(cid, service=str(d["service"]))
        elif ev.kind == "transfer":
            service = str(d.get("service") or "") or None
            outcome = Outcome.EMERGENCY if service == "emergency" else Outcome.TRANSFERRED
            summary = str(d["summary"]) if d.get("summary") else None
            await self._calls.finish_call(cid, ended_at=ev.at, outcome=outcome, service=service, summary=summary)
        elif ev.kind == "queue_abandoned":
            await self._calls.finish_call(cid, ended_at=ev.at, outcome=Outcome.ABANDONED)
        elif ev.kind == "hangup":
            ended = str(d.get("outcome") or Outcome.ABANDONED)
            if ended not in {o.value for o in Outcome}:
                log.warning("unknown outcome %r stored as failed", ended)
                ended = Outcome.FAILED
            await self._calls.finish_call(cid, ended_at=ev.at, outcome=ended)
        await self._calls.add_event(cid, at=ev.at, kind=ev.kind, data=_jsonable(d))
