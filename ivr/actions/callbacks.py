"""Callbacks: stored first (never lost across a restart), dialled when due, the service open and an agent free.

``tick()`` is one pass; ``run()`` repeats it on the injected clock. The dialer (ARI: ring an agent, play
the summary, then dial the citizen) is passed in.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import or_, select, update

from ivr.actions import quota
from ivr.actions.numbers import DEFAULT_REGIONS, normalize_number
from ivr.clock import Clock
from ivr.errors import StoreError
from ivr.store.callers import CallerKeys
from ivr.store.db import SessionFactory
from ivr.store.models import CallbackRow
from ivr.store.records import CallbackRecord, CallbackStatus

log = logging.getLogger(__name__)


class CallbackOutcome(StrEnum):
    """What one dialling attempt gave."""

    COMPLETED = "completed"
    """Agent and citizen talked: done."""
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    AGENT_UNAVAILABLE = "agent_unavailable"
    """No agent picked up: not the citizen's fault, retried without counting an attempt."""


EXPIRED = "expired"
"""Outcome of a request that stayed pending past ``max_age`` (no free agent, service always closed...)."""


class CallbackDialer(Protocol):
    """Places one callback (the live-call side implements it with ARI)."""

    async def dial(self, cb: CallbackRecord) -> CallbackOutcome:
        """Ring an agent, let them hear the summary, then dial the citizen."""
        ...


class CallbackNotFound(StoreError):
    """No callback with that id, or not in a state allowing the change."""

    code = "callback_not_found"
    retryable = False


def _record(r: CallbackRow) -> CallbackRecord:
    return CallbackRecord(r.id, r.call_id, r.number or "", r.service, r.lang, r.summary or "", r.not_before,
                          r.status, r.attempts, r.last_attempt_at, r.outcome, r.created_at)


class CallbackScheduler:
    """Owns the ``callbacks`` table's life cycle: pending -> dialling -> done | pending (retry) | failed."""

    def __init__(
        self,
        session_factory: SessionFactory,
        clock: Clock,
        is_open: Callable[[str, datetime], bool],
        agents_free: Callable[[str], Awaitable[bool]],
        dialer: CallbackDialer,
        max_attempts: int = 3,
        retry_delay_s: float = 1800.0,
        *,
        poll_interval_s: float = 30.0,
        region: str = "FR",
        node: str = "local",
        claim_stale_s: float = 7200.0,
        regions: tuple[str, ...] = DEFAULT_REGIONS,
        per_number_day: int = 3,
        pending_per_number: int = 1,
        max_age_days: int = 7,
        keys: CallerKeys | None = None,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._is_open = is_open
        self._agents_free = agents_free
        self._dialer = dialer
        self.max_attempts = max_attempts
        self.retry_delay_s = retry_delay_s
        self.poll_interval_s = poll_interval_s
        self._region = region
        self.node = node
        self._claim_stale_s = claim_stale_s
        self._regions = regions
        self.per_number_day = per_number_day
        self.pending_per_number = pending_per_number
        self.max_age = timedelta(days=max_age_days)
        self._keys = keys
        self._recovered = False
        self._pass = asyncio.Lock()
        """One pass at a time per node: a second pass's recovery must not see this pass's fresh claims."""
        self._in_flight: dict[int, asyncio.Task[CallbackRecord]] = {}

    async def schedule(
        self,
        call_id: str | None,
        number: str,
        service: str,
        lang: str,
        summary: str,
        not_before: datetime | None = None,
    ) -> CallbackRecord:
        """Store a request; it is dialled from ``not_before``.

        Raises ``InvalidNumber`` if the number may not be called (premium, foreign...) and ``QuotaExceeded``
        when the number already has a pending callback or reached its daily cap.
        """
        e164 = normalize_number(number, self._region, self._regions)
        now = self._clock.now()
        usage = await quota.recent_callbacks(self._sessions, e164, now)
        quota.check(usage, self.per_number_day, self.pending_per_number)
        key = self._keys.key(e164) if self._keys is not None else None
        row = CallbackRow(call_id=call_id, number=e164, caller_key=key, service=service, lang=lang, summary=summary,
                          not_before=not_before or now, status=CallbackStatus.PENDING, attempts=0, created_at=now)
        async with self._sessions.begin() as s:
            s.add(row)
        log.info("callback %s scheduled for %s from %s", row.id, service, row.not_before.isoformat())
        return _record(row)

    async def get(self, callback_id: int) -> CallbackRecord | None:
        """One request."""
        async with self._sessions() as s:
            row = await s.get(CallbackRow, callback_id)
        return None if row is None else _record(row)

    async def find(self, statuses: Iterable[str] | None = None, limit: int = 200) -> list[CallbackRecord]:
        """Requests by due time (for the agent console: ``find(["pending", "dialling"])``)."""
        q = select(CallbackRow).order_by(CallbackRow.not_before, CallbackRow.id).limit(limit)
        if statuses is not None:
            q = q.where(CallbackRow.status.in_([str(s) for s in statuses]))
        async with self._sessions() as s:
            rows = (await s.scalars(q)).all()
        return [_record(r) for r in rows]

    async def cancel(self, callback_id: int) -> None:
        """Cancel a pending request (the citizen called again, or an agent handled it)."""
        async with self._sessions.begin() as s:
            res = await s.execute(
                update(CallbackRow).where(CallbackRow.id == callback_id, CallbackRow.status == CallbackStatus.PENDING)
                .values(status=CallbackStatus.CANCELLED)
            )
            if int(getattr(res, "rowcount", 0) or 0) != 1:
                raise CallbackNotFound(f"no pending callback {callback_id}")

    async def recover(self) -> int:
        """After a crash, requests left ``dialling`` go back to ``pending`` (their attempt stays counted).

        Only this node's own claims (and unowned ones), plus claims of other nodes older than
        ``claim_stale_s`` (a node that died mid-dial): another node's live dial is never taken from it, which
        is what keeps a callback dialled once while schedulers run on every node.
        """
        stale = self._clock.now() - timedelta(seconds=self._claim_stale_s)
        async with self._sessions.begin() as s:
            res = await s.execute(
                update(CallbackRow)
                .where(CallbackRow.status == CallbackStatus.DIALLING, CallbackRow.id.not_in(list(self._in_flight)),
                       or_(CallbackRow.claimed_by.is_(None), CallbackRow.claimed_by == self.node,
                           CallbackRow.last_attempt_at < stale))
                .values(status=CallbackStatus.PENDING)
            )
        self._recovered = True
        return int(getattr(res, "rowcount", 0) or 0)

    async def expire(self) -> int:
        """End requests older than ``max_age`` that are still pending: ``failed`` with outcome ``expired``."""
        cutoff = self._clock.now() - self.max_age
        async with self._sessions.begin() as s:
            res = await s.execute(
                update(CallbackRow)
                .where(CallbackRow.status == CallbackStatus.PENDING, CallbackRow.created_at < cutoff)
                .values(status=CallbackStatus.FAILED, outcome=EXPIRED)
            )
        count = int(getattr(res, "rowcount", 0) or 0)
        if count:
            log.info("%d callback(s) expired after %s", count, self.max_age)
        return count

    async def _due(self, now: datetime) -> list[CallbackRow]:
        async with self._sessions() as s:
            return list((await s.scalars(
                select(CallbackRow)
                .where(CallbackRow.status == CallbackStatus.PENDING, CallbackRow.not_before <= now)
                .order_by(CallbackRow.not_before, CallbackRow.id)
            )).all())

    async def _claim(self, row: CallbackRow, now: datetime) -> CallbackRecord | None:
        """Take one due request for this node: a conditional UPDATE, atomic in SQLite and PostgreSQL alike.

        Of several schedulers (one per node) racing for the same row exactly one sees ``rowcount == 1``;
        ``SELECT … FOR UPDATE SKIP LOCKED`` would only spare the losers a wasted UPDATE, and SQLite lacks it.
        """
        async with self._sessions.begin() as s:
            res = await s.execute(
                update(CallbackRow).where(CallbackRow.id == row.id, CallbackRow.status == CallbackStatus.PENDING)
                .values(status=CallbackStatus.DIALLING, last_attempt_at=now, claimed_by=self.node)
            )
            if int(getattr(res, "rowcount", 0) or 0) != 1:
                return None
            claimed = await s.get(CallbackRow, row.id)
        return None if claimed is None else _record(claimed)

    async def _start_due(self) -> list[asyncio.Task[CallbackRecord]]:
        async with self._pass:
            return await self._start_due_locked()

    async def _start_due_locked(self) -> list[asyncio.Task[CallbackRecord]]:
        if not self._recovered:
            await self.recover()
        await self.expire()
        now = self._clock.now()
        busy_services = {t.get_name() for t in self._in_flight.values()}
        started: list[asyncio.Task[CallbackRecord]] = []
        for row in await self._due(now):
            if row.service in busy_services or not self._is_open(row.service, now):
                continue
            if not await self._agents_free(row.service):
                busy_services.add(row.service)
                continue
            record = await self._claim(row, now)
            if record is None:
                continue
            busy_services.add(row.service)  # one dial per service at a time: agents_free is re-checked next pass
            task = asyncio.create_task(self._dial(record), name=row.service)
            self._in_flight[record.id] = task
            task.add_done_callback(functools.partial(self._forget, record.id))
            started.append(task)
        return started

    def _forget(self, callback_id: int, _task: object) -> None:
        self._in_flight.pop(callback_id, None)

    async def tick(self) -> list[CallbackRecord]:
        """One pass: dial every due request whose service is open and has a free agent; wait for the results."""
        tasks = await self._start_due()
        return list(await asyncio.gather(*tasks)) if tasks else []

    async def _dial(self, cb: CallbackRecord) -> CallbackRecord:
        log.info("callback %s: dialling for %s (attempt %d)", cb.id, cb.service, cb.attempts + 1)
        try:
            outcome = await self._dialer.dial(cb)
        except asyncio.CancelledError:
            raise
        except Exception:  # a dialer failure is one failed attempt, never a lost request
            log.exception("callback %s: dialer failed", cb.id)
            outcome = CallbackOutcome.FAILED
        return await self._record_outcome(cb, CallbackOutcome(outcome))

    async def _record_outcome(self, cb: CallbackRecord, outcome: CallbackOutcome) -> CallbackRecord:
        now = self._clock.now()
        attempts = cb.attempts if outcome is CallbackOutcome.AGENT_UNAVAILABLE else cb.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "outcome": str(outcome)}
        if outcome is CallbackOutcome.COMPLETED:
            values["status"] = CallbackStatus.DONE
        elif attempts >= self.max_attempts:
            values["status"] = CallbackStatus.FAILED
        else:
            values["status"] = CallbackStatus.PENDING
            values["not_before"] = now + timedelta(seconds=self.retry_delay_s)
        async with self._sessions.begin() as s:
            await s.execute(update(CallbackRow).where(CallbackRow.id == cb.id).values(**values))
            row = await s.get(CallbackRow, cb.id)
        assert row is not None
        log.info("callback %s: %s -> %s", cb.id, outcome, row.status)
        return _record(row)

    async def run(self) -> None:
        """Dial forever; long calls run concurrently and never block other services' callbacks."""
        try:
            while True:
                try:
                    await self._start_due()
                except Exception:  # keep scheduling through a transient database error
                    log.exception("callback pass failed")
                await self._clock.sleep(self.poll_interval_s)
        finally:
            for task in list(self._in_flight.values()):
                task.cancel()
