"""A durable SMS outbox: stored first, then delivered with bounded exponential backoff; nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ivr.actions import quota
from ivr.actions.numbers import DEFAULT_REGIONS, normalize_mobile
from ivr.actions.sms.base import SmsGateway
from ivr.clock import Clock
from ivr.errors import SmsError
from ivr.store.db import SessionFactory
from ivr.store.models import SmsRow
from ivr.store.records import SmsRecord, SmsStatus

log = logging.getLogger(__name__)

LEASE_S = 120.0
"""While one worker sends a message, others leave it alone this long."""


def _record(r: SmsRow) -> SmsRecord:
    return SmsRecord(r.id, r.call_id, r.number or "", r.text or "", r.status, r.attempts, r.next_attempt_at,
                     r.last_error, r.created_at, r.sent_at, r.message_id)


class SmsOutbox:
    """``enqueue`` stores a message; ``run`` (or ``deliver_due``) hands due messages to the gateway."""

    def __init__(
        self,
        session_factory: SessionFactory,
        gateway: SmsGateway,
        clock: Clock,
        *,
        max_attempts: int = 8,
        base_delay_s: float = 30.0,
        max_delay_s: float = 3600.0,
        poll_interval_s: float = 5.0,
        region: str = "FR",
        regions: tuple[str, ...] = DEFAULT_REGIONS,
        per_number_day: int = 5,
    ) -> None:
        self._sessions = session_factory
        self._gateway = gateway
        self._clock = clock
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.poll_interval_s = poll_interval_s
        self._region = region
        self._regions = regions
        self.per_number_day = per_number_day
        self._wake = asyncio.Event()

    def retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure: base, 2×base, 4×base... capped."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** max(0, attempts - 1)))

    async def enqueue(self, call_id: str | None, number: str, text: str) -> int:
        """Validate the number, store the message, return its id.

        Raises ``InvalidNumber`` if the number is not an allowed mobile and ``QuotaExceeded`` past the
        number's daily cap.
        """
        e164 = normalize_mobile(number, self._region, self._regions)
        if not text.strip():
            raise SmsError("empty SMS text", code="sms_empty", retryable=False)
        now = self._clock.now()
        quota.check(await quota.recent_sms(self._sessions, e164, now), self.per_number_day)
        row = SmsRow(call_id=call_id, number=e164, text=text, status=SmsStatus.PENDING, attempts=0,
                     next_attempt_at=now, created_at=now)
        async with self._sessions.begin() as s:
            s.add(row)
        self._wake.set()
        return row.id

    async def get(self, sms_id: int) -> SmsRecord | None:
        """One message."""
        async with self._sessions() as s:
            row = await s.get(SmsRow, sms_id)
        return None if row is None else _record(row)

    async def find(self, status: SmsStatus | str | None = None, limit: int = 100) -> list[SmsRecord]:
        """Messages, newest first."""
        q = select(SmsRow).order_by(SmsRow.created_at.desc(), SmsRow.id.desc()).limit(limit)
        if status is not None:
            q = q.where(SmsRow.status == str(status))
        async with self._sessions() as s:
            rows = (await s.scalars(q)).all()
        return [_record(r) for r in rows]

    async def _claim(self, row_id: int, now: datetime) -> bool:
        """Lease a due message so that a second worker does not send it too."""
        async with self._sessions.begin() as s:
            res = await s.execute(
                update(SmsRow)
                .where(SmsRow.id == row_id, SmsRow.status == SmsStatus.PENDING, SmsRow.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=LEASE_S))
            )
            return int(getattr(res, "rowcount", 0) or 0) == 1

    async def deliver_due(self) -> int:
        """One pass: try every due message once (never inside a transaction); returns how many were sent."""
        now = self._clock.now()
        async with self._sessions() as s:
            due = (await s.scalars(
                select(SmsRow).where(SmsRow.status == SmsStatus.PENDING, SmsRow.next_attempt_at <= now)
                .order_by(SmsRow.next_attempt_at, SmsRow.id).limit(100)
            )).all()
        sent = 0
        for row in due:
            if not await self._claim(row.id, now):
                continue
            sent += await self._attempt(row)
        return sent

    async def _attempt(self, row: SmsRow) -> int:
        attempts = row.attempts + 1
        try:
            message_id = await self._gateway.send(row.number or "", row.text or "")
        except SmsError as exc:
            await self._failed(row.id, attempts, exc)
            return 0
        except Exception as exc:  # a gateway bug must not kill the outbox: count it, retry later
            log.exception("SMS gateway crashed on message %s", row.id)
            await self._failed(row.id, attempts, SmsError(f"{type(exc).__name__}: {exc}"))
            return 0
        async with self._sessions.begin() as s:
            await s.execute(update(SmsRow).where(SmsRow.id == row.id).values(
                status=SmsStatus.SENT, attempts=attempts, sent_at=self._clock.now(), message_id=message_id,
                last_error=None))
        log.info("SMS %s sent (attempt %d)", row.id, attempts)
        return 1

    async def _failed(self, row_id: int, attempts: int, exc: SmsError) -> None:
        give_up = not exc.retryable or attempts >= self.max_attempts
        values: dict[str, object] = {"attempts": attempts, "last_error": f"[{exc.code}] {exc.message}"[:500]}
        if give_up:
            values["status"] = SmsStatus.FAILED
        else:
            values["next_attempt_at"] = self._clock.now() + timedelta(seconds=self.retry_delay(attempts))
        async with self._sessions.begin() as s:
            await s.execute(update(SmsRow).where(SmsRow.id == row_id).values(**values))
        log.warning("SMS %s attempt %d failed [%s]%s", row_id, attempts, exc.code,
                    " - giving up" if give_up else " - will retry")

    async def run(self) -> None:
        """Deliver forever: after each pass, sleep until the poll interval passes or a message is queued."""
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:  # the database may be briefly unavailable: keep the loop alive
                log.exception("SMS outbox pass failed")
            waiter = asyncio.ensure_future(self._wake.wait())
            sleeper = asyncio.ensure_future(self._clock.sleep(self.poll_interval_s))
            try:
                await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for t in (waiter, sleeper):
                    t.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await t
