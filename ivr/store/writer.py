"""The database off the call path: calls only enqueue their events; one task writes them in batches.

Why: every call event used to wait for its own SQLite transaction, and a turn's number was found by reading
the call's max seq and inserting after it. At 16 calls, transactions queued behind each other until SQLite
said "database is locked", and two writers of one call could pick the same seq. Here one writer owns every
write: it assigns turn numbers in the process (``CallCursor``), and writes up to ``batch`` events in one
transaction.

When the queue is full (the database is down or far too slow) the event is **dropped, never awaited**: the
caller's media must not stall on a disk. Every drop is counted (``stats``), the first of an outage is logged
as an error, and the total is logged again when writing resumes. Transient failures (connection lost, locked)
retry the same batch with backoff; an event the database refuses on its own (bad data) is isolated and
dropped alone, counted as ``refused``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.clock import Clock, SystemClock
from ivr.store.callers import CallerKeys
from ivr.store.db import SessionFactory
from ivr.store.models import CallEventRow, CallRow, TurnRow
from ivr.store.rows import EventLike, RowPlan, plan_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriterStats:
    """What the writer did since it started (``dropped`` and ``refused`` are lost events)."""

    written: int
    dropped: int
    refused: int
    queued: int
    retries: int


_TRANSIENT_SQLSTATES = ("08", "57P", "53300", "40001", "40P01")
"""PostgreSQL error codes a retry can fix: connection exceptions, server shutting down or starting up
(57P01/57P03), too many connections, serialization failure, deadlock."""


def _transient(exc: BaseException) -> bool:
    """A failure that retrying the same batch can fix (connection lost or refused, database locked)."""
    if isinstance(exc, (OperationalError, InterfaceError, OSError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    seen: BaseException | None = exc
    for _ in range(4):  # SQLAlchemy error -> driver adapter error -> asyncpg error
        if seen is None:
            break
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_TRANSIENT_SQLSTATES):
            return True
        if isinstance(seen, OSError):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


class _Cursors:
    """Per call: the next turn number, for calls seen recently (bounded, oldest forgotten first)."""

    def __init__(self, max_calls: int) -> None:
        self._next: OrderedDict[str, int] = OrderedDict()
        self._max = max_calls

    def get(self, call_id: str) -> int | None:
        return self._next.get(call_id)

    def commit(self, staged: dict[str, int]) -> None:
        for cid, nxt in staged.items():
            self._next[cid] = nxt
            self._next.move_to_end(cid)
        while len(self._next) > self._max:
            self._next.popitem(last=False)


class StoreWriter:
    """The hub's store sink: ``hub.add_sink(writer)``; ``start()`` the task, ``aclose()`` flushes and stops."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        max_queue: int = 20_000,
        batch: int = 200,
        retry_s: float = 0.5,
        max_retry_s: float = 5.0,
        clock: Clock | None = None,
        max_calls: int = 10_000,
        node: str | None = None,
        keys: CallerKeys | None = None,
    ) -> None:
        self._sessions = sessions
        self._node = node
        """The media node writing (``cluster.node``), stored on the calls it creates."""
        self._keys = keys
        """Caller keys (HMAC of the number): a returning caller is found without storing a searchable number."""
        self._queue: asyncio.Queue[EventLike] = asyncio.Queue(maxsize=max_queue)
        self._batch = batch
        self._retry_s = retry_s
        self._max_retry_s = max_retry_s
        self._clock = clock or SystemClock()
        self._cursors = _Cursors(max_calls)
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._written = 0
        self._dropped = 0
        self._dropped_reported = 0
        self._refused = 0
        self._retries = 0

    @property
    def stats(self) -> WriterStats:
        """Counters since start."""
        return WriterStats(self._written, self._dropped, self._refused, self._queue.qsize(), self._retries)

    @property
    def task(self) -> asyncio.Task[None]:
        """The writer task (supervised: it must never end while the bot runs)."""
        if self._task is None:
            raise RuntimeError("store writer not started")
        return self._task

    def submit(self, ev: EventLike) -> bool:
        """Queue one event without waiting; False (counted, reported) if the queue is full."""
        try:
            self._queue.put_nowait(ev)
        except asyncio.QueueFull:
            if self._dropped == self._dropped_reported:
                log.error("store writer queue full (%d events): dropping call events until the database "
                          "catches up", self._queue.maxsize)
            self._dropped += 1
            return False
        self._idle.clear()
        return True

    async def __call__(self, ev: EventLike) -> None:
        """Sink interface: never waits on the database."""
        self.submit(ev)

    def start(self) -> None:
        """Start the writer task (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="store-writer")

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is written (or dropped); raises ``TimeoutError``."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def aclose(self, timeout: float = 5.0) -> None:
        """Write what is queued (within ``timeout``), then stop; reports what could not be written."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await self.flush(timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        left = self._queue.qsize()
        if left or self._dropped or self._refused:
            log.error("store writer stopped: %d event(s) unwritten, %d dropped, %d refused",
                      left, self._dropped, self._refused)

    async def run(self) -> None:
        """Write batches forever."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write_resilient(batch)
            if self._dropped > self._dropped_reported:
                log.error("store writer: %d call event(s) dropped while the database could not keep up",
                          self._dropped - self._dropped_reported)
                self._dropped_reported = self._dropped
            if self._queue.empty():
                self._idle.set()

    async def _write_resilient(self, batch: list[EventLike]) -> None:
        delay = self._retry_s
        while True:
            try:
                await self._write(batch)
                self._written += len(batch)
                return
            except Exception as exc:
                if _transient(exc):
                    self._retries += 1
                    log.warning("store writer: database unavailable (%s); retrying %d event(s) in %.1f s",
                                type(exc).__name__, len(batch), delay)
                    await self._clock.sleep(delay)
                    delay = min(delay * 2, self._max_retry_s)
                    continue
                if len(batch) == 1:
                    self._refused += 1
                    log.error("store writer: the database refused a %s event: %s", batch[0].kind, exc)
                    return
                for ev in batch:  # isolate the bad event; the others are written
                    await self._write_resilient([ev])
                return

    async def _write(self, batch: Sequence[EventLike]) -> None:
        staged: dict[str, int] = {}
        async with self._sessions.begin() as s:
            for ev in batch:
                nxt = staged.get(ev.call_id) or self._cursors.get(ev.call_id)
                if nxt is None:
                    nxt = await self._first_sight(s, ev)
                staged[ev.call_id] = await self._apply(s, plan_rows(ev), nxt)
        self._cursors.commit(staged)

    async def _first_sight(self, s: AsyncSession, ev: EventLike) -> int:
        """A call this process has not written yet: create its row, or continue its turns (resumed call)."""
        if ev.kind == "started" or await s.get(CallRow, ev.call_id) is None:
            d = ev.data
            number = str(d["number"]) if ev.kind == "started" and d.get("number") else None
            s.add(CallRow(id=ev.call_id, channel_id=str(d.get("channel", "")), started_at=ev.at,
                          caller_number=number, caller_key=self._keys.key(number) if self._keys else None,
                          lang=str(d.get("lang", "fr")), outcome=None, purged=False, node=self._node))
            await s.flush()
            return 1
        last = await s.scalar(select(func.max(TurnRow.seq)).where(TurnRow.call_id == ev.call_id))
        return (last or 0) + 1

    async def _apply(self, s: AsyncSession, plan: RowPlan, nxt: int) -> int:
        """Add one event's rows; returns the call's next turn number."""
        if plan.turn is not None:
            t = plan.turn
            s.add(TurnRow(call_id=plan.call_id, seq=nxt, at=plan.at, speaker=t.speaker, text=t.text,
                          intent=t.intent, decision=t.decision, score=t.score))
            nxt += 1
        if plan.call_update:
            await s.flush()
            await s.execute(update(CallRow).where(CallRow.id == plan.call_id).values(**plan.call_update))
        s.add(CallEventRow(call_id=plan.call_id, at=plan.at, kind=plan.kind, data=plan.data))
        return nxt
