"""The hub's memory of recent call events, bounded per call and in total, the oldest dropped first.

Tests, benchmarks and the soak read every event of their calls from it (``hub.keep_history``). Unbounded, a
long soak or one runaway call (an autodialler pressing keys for an hour) grows the process without limit;
bounded, the oldest events go first and the count of what went is reported (``dropped``, in
``ivr status --json``), so a reader knows it no longer sees everything.

Positions: ``len()`` and indexing are over what is kept now; ``mark()`` and ``since(mark)`` count every event
ever appended, so "the events after this point" stays right while older ones are dropped.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar, overload

log = logging.getLogger(__name__)


class _HasCallId(Protocol):
    @property
    def call_id(self) -> str: ...


E = TypeVar("E", bound=_HasCallId)


class _Entry(Generic[E]):
    __slots__ = ("alive", "event", "index")

    def __init__(self, event: E, index: int) -> None:
        self.event = event
        self.index = index
        self.alive = True


class EventHistory(Generic[E]):
    """Events in publish order: at most ``per_call`` per call and ``total`` in all (oldest dropped first)."""

    def __init__(self, per_call: int, total: int) -> None:
        if per_call < 1 or total < 1:
            raise ValueError("history bounds must be positive")
        self.per_call = per_call
        self.total = total
        self.dropped = 0
        """Events dropped since start (per-call and total bounds together)."""
        self._all: deque[_Entry[E]] = deque()
        self._calls: dict[str, deque[_Entry[E]]] = {}
        self._live = 0
        self._appended = 0

    def append(self, event: E) -> None:
        """Keep ``event``; drop this call's oldest past ``per_call``, then the oldest of all past ``total``."""
        entry = _Entry(event, self._appended)
        self._appended += 1
        mine = self._calls.setdefault(event.call_id, deque())
        mine.append(entry)
        self._all.append(entry)
        self._live += 1
        if len(mine) > self.per_call:
            self._drop(mine.popleft())
        # dead entries (dropped per call) still hold a slot in ``_all`` until they reach its head: the memory
        # bound is ``total`` entries either way
        while len(self._all) > self.total:
            head = self._all.popleft()
            if head.alive:
                calls = self._calls[head.event.call_id]
                calls.popleft()  # the oldest kept event of its call: both queues are in publish order
                if not calls:
                    del self._calls[head.event.call_id]
                self._drop(head)

    def _drop(self, entry: _Entry[E]) -> None:
        entry.alive = False
        self._live -= 1
        if self.dropped == 0:
            log.warning("event history full (%d per call, %d in all): dropping the oldest events",
                        self.per_call, self.total)
        self.dropped += 1

    def mark(self) -> int:
        """A position that stays valid while older events are dropped: pass it to :meth:`since`."""
        return self._appended

    def since(self, mark: int) -> list[E]:
        """The kept events appended after ``mark``."""
        return [e.event for e in self._all if e.alive and e.index >= mark]

    def of_call(self, call_id: str) -> list[E]:
        """The kept events of one call."""
        return [e.event for e in self._calls.get(call_id, ())]

    @property
    def calls(self) -> int:
        """Calls with events kept (bounded by ``total``: a call leaves once its last kept event is dropped)."""
        return len(self._calls)

    def clear(self) -> None:
        """Forget everything kept (the drop count stays)."""
        self._all.clear()
        self._calls.clear()
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def __iter__(self) -> Iterator[E]:
        return iter([e.event for e in self._all if e.alive])  # a snapshot: publishing meanwhile is safe

    @overload
    def __getitem__(self, i: int) -> E: ...
    @overload
    def __getitem__(self, i: slice) -> list[E]: ...
    def __getitem__(self, i: int | slice) -> E | list[E]:
        return list(self)[i]
