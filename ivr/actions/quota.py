"""Per-number caps on what the city pays for: callbacks and SMS per day, callbacks pending at once.

A caller ID can be faked and the web chat is public, so without caps one script could have the city
dial or text the same victim (or a premium line of the attacker's) all day. The decision is pure
(``check``), the counting is one query per table (``recent_callbacks``, ``recent_sms``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ivr.errors import IvrError
from ivr.store.db import SessionFactory
from ivr.store.models import CallbackRow, SmsRow
from ivr.store.records import CallbackStatus

DAY = timedelta(days=1)


class QuotaExceeded(IvrError):
    """Too many callbacks or SMS for one number."""

    code = "quota_exceeded"
    retryable = False


@dataclass(frozen=True, slots=True)
class Usage:
    """What one number already got."""

    last_day: int
    pending: int = 0


def check(usage: Usage, per_day: int, pending_max: int | None = None) -> None:
    """Raise :class:`QuotaExceeded` when one more would pass ``per_day`` or ``pending_max``."""
    if usage.last_day >= per_day:
        raise QuotaExceeded(f"daily limit reached for this number ({per_day} per 24 h)")
    if pending_max is not None and usage.pending >= pending_max:
        raise QuotaExceeded("a callback is already pending for this number")


async def recent_callbacks(sessions: SessionFactory, number: str, now: datetime) -> Usage:
    """Callback requests for ``number`` created in the last 24 h, and those still waiting."""
    waiting = (str(CallbackStatus.PENDING), str(CallbackStatus.DIALLING))
    async with sessions() as s:
        last_day = await s.scalar(select(func.count()).select_from(CallbackRow).where(
            CallbackRow.number == number, CallbackRow.created_at > now - DAY))
        pending = await s.scalar(select(func.count()).select_from(CallbackRow).where(
            CallbackRow.number == number, CallbackRow.status.in_(waiting)))
    return Usage(int(last_day or 0), int(pending or 0))


async def recent_sms(sessions: SessionFactory, number: str, now: datetime) -> Usage:
    """SMS to ``number`` queued in the last 24 h."""
    async with sessions() as s:
        last_day = await s.scalar(select(func.count()).select_from(SmsRow).where(
            SmsRow.number == number, SmsRow.created_at > now - DAY))
    return Usage(int(last_day or 0))
