"""One call, one event stream: logs, the database, dashboards and tests all consume it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

# Kinds carrying the caller's words or number: never logged above DEBUG.
PRIVATE_KINDS = frozenset({"transcript", "started", "sms", "agent_transcript"})
# Fields that may carry them in other kinds (the summary quotes the caller): left out of INFO lines.
PRIVATE_FIELDS = frozenset({"text", "summary", "number"})


@dataclass(frozen=True, slots=True)
class CallEvent:
    """Something that happened in one call."""

    call_id: str
    seq: int
    at: datetime
    kind: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"call_id": self.call_id, "seq": self.seq, "at": self.at.isoformat(), "kind": self.kind,
                **dict(self.data)}


Sink = Callable[[CallEvent], Awaitable[None]]


class EventHub:
    """Fan-out of every call's events to sinks (store) and live subscribers (dashboards, tests)."""

    def __init__(self) -> None:
        self._sinks: list[Sink] = []
        self._subscribers: set[asyncio.Queue[CallEvent]] = set()
        self.history: list[CallEvent] = []
        self.keep_history = False

    def add_sink(self, sink: Sink) -> None:
        """Every event is awaited by every sink, in order (errors logged, never raised into the call)."""
        self._sinks.append(sink)

    async def publish(self, event: CallEvent) -> None:
        """Deliver one event."""
        if self.keep_history:
            self.history.append(event)
        if event.kind in PRIVATE_KINDS:
            log.debug("event %s %s", event.kind, dict(event.data))
        else:
            log.info("event %s %s", event.kind, {k: v for k, v in event.data.items() if k not in PRIVATE_FIELDS})
        for sink in self._sinks:
            try:
                await sink(event)
            except Exception:
                log.exception("event sink failed on %s", event.kind)
        for q in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[CallEvent]:
        """Live events from now on."""
        q: asyncio.Queue[CallEvent] = asyncio.Queue(maxsize=1000)
        self._subscribers.add(q)
        try:
            while True:
                yield await q.get()
        finally:
            self._subscribers.discard(q)


class CallEvents:
    """The event stream of one call."""

    def __init__(self, call_id: str, hub: EventHub, now: Callable[[], datetime]) -> None:
        self.call_id = call_id
        self._hub = hub
        self._now = now
        self._seq = 0

    async def emit(self, kind: str, /, **data: Any) -> CallEvent:
        """Publish an event of this call."""
        self._seq += 1
        ev = CallEvent(self.call_id, self._seq, self._now(), kind, MappingProxyType(dict(data)))
        await self._hub.publish(ev)
        return ev
