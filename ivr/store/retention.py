"""Erase personal data past the retention period; keep anonymous outcomes for statistics."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ivr.store.db import SessionFactory
from ivr.store.models import CallbackRow, CallEventRow, CallRow, SmsRow, TurnRow
from ivr.store.records import CallbackStatus, SmsStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """How many rows lost their personal data."""

    cutoff: datetime
    calls: int
    turns: int
    events: int
    callbacks: int
    sms: int


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_expired(sessions: SessionFactory, now: datetime, retention_days: int) -> PurgeReport:
    """Erase callers' numbers, transcripts, summaries, event data and SMS texts older than the period.

    Outcomes, services, languages, times, intents and decisions stay (anonymous statistics). Callbacks
    and SMS still waiting are left alone.
    """
    cutoff = now - timedelta(days=retention_days)
    old_calls = select(CallRow.id).where(CallRow.started_at < cutoff, CallRow.purged.is_(False)).scalar_subquery()
    async with sessions.begin() as s:
        turns = await s.execute(
            update(TurnRow).where(TurnRow.call_id.in_(old_calls), TurnRow.text.is_not(None)).values(text=None)
        )
        events = await s.execute(update(CallEventRow).where(CallEventRow.call_id.in_(old_calls)).values(data={}))
        calls = await s.execute(
            update(CallRow).where(CallRow.started_at < cutoff, CallRow.purged.is_(False))
            .values(caller_number=None, caller_key=None, summary=None, purged=True)
        )
        callbacks = await s.execute(
            update(CallbackRow).where(
                CallbackRow.created_at < cutoff,
                CallbackRow.status.not_in([CallbackStatus.PENDING, CallbackStatus.DIALLING]),
                CallbackRow.number.is_not(None),
            ).values(number=None, caller_key=None, summary=None)
        )
        sms = await s.execute(
            update(SmsRow).where(
                SmsRow.created_at < cutoff, SmsRow.status != SmsStatus.PENDING, SmsRow.text.is_not(None)
            ).values(number=None, text=None)
        )
    report = PurgeReport(cutoff, _count(calls), _count(turns), _count(events), _count(callbacks), _count(sms))
    log.info("retention purge before %s: %s", cutoff.date(), report)
    return report
