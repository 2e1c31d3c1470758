"""Read-only figures for the dashboards: counts per outcome, hour, service; unanswered questions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ivr.store.db import SessionFactory
from ivr.store.models import CallbackRow, CallRow, SmsRow, TurnRow
from ivr.store.records import CallbackStatus, DashboardStats, HourCount, UnansweredQuestion


def day_bounds(now: datetime, tz: tzinfo | str) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight around ``now`` (aware datetimes in ``tz``)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = now.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)  # robust across DST changes
    return start, end


class StatsRepository:
    """Dashboard queries; each opens one short read session."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def dashboard(self, start: datetime, end: datetime, tz: tzinfo | str = "UTC") -> DashboardStats:
        """Counts for calls started in ``[start, end)``; hours are bucketed in ``tz``."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        async with self._sessions() as s:
            rows = (await s.execute(
                select(CallRow.started_at, CallRow.ended_at, CallRow.outcome, CallRow.service, CallRow.lang)
                .where(CallRow.started_at >= start, CallRow.started_at < end)
            )).all()
            cb_counts = (await s.execute(
                select(CallbackRow.status, func.count()).where(
                    CallbackRow.created_at >= start, CallbackRow.created_at < end
                ).group_by(CallbackRow.status)
            )).all()
            pending = await s.scalar(
                select(func.count()).select_from(CallbackRow).where(
                    CallbackRow.status.in_([CallbackStatus.PENDING, CallbackStatus.DIALLING])
                )
            )
            sms_counts = (await s.execute(
                select(SmsRow.status, func.count()).where(SmsRow.created_at >= start, SmsRow.created_at < end)
                .group_by(SmsRow.status)
            )).all()
        by_outcome: Counter[str] = Counter()
        by_service: Counter[str] = Counter()
        by_lang: Counter[str] = Counter()
        by_hour: Counter[datetime] = Counter()
        durations: list[float] = []
        live = 0
        for started, ended, outcome, service, lang in rows:
            if outcome is None:
                live += 1
            else:
                by_outcome[outcome] += 1
            if service:
                by_service[service] += 1
            by_lang[lang] += 1
            by_hour[started.astimezone(zone).replace(minute=0, second=0, microsecond=0)] += 1
            if ended is not None:
                durations.append((ended - started).total_seconds())
        return DashboardStats(
            start=start,
            end=end,
            calls=len(rows),
            live=live,
            by_outcome=dict(by_outcome),
            by_service=dict(by_service),
            by_lang=dict(by_lang),
            by_hour=tuple(HourCount(h, n) for h, n in sorted(by_hour.items())),
            avg_duration_s=sum(durations) / len(durations) if durations else None,
            callbacks={str(st): int(n) for st, n in cb_counts},
            callbacks_pending=int(pending or 0),
            sms={str(st): int(n) for st, n in sms_counts},
        )

    async def today(self, now: datetime, tz: tzinfo | str = "Europe/Paris") -> DashboardStats:
        """Counts for the local day containing ``now``."""
        start, end = day_bounds(now, tz)
        return await self.dashboard(start, end, tz)

    async def unanswered_questions(
        self, *, since: datetime | None = None, limit: int = 100
    ) -> list[UnansweredQuestion]:
        """Callers' words the matcher abstained on, newest first (erased ones are skipped)."""
        q = (
            select(TurnRow.call_id, TurnRow.at, TurnRow.text, CallRow.lang, TurnRow.score)
            .join(CallRow, CallRow.id == TurnRow.call_id)
            .where(TurnRow.decision == "abstain", TurnRow.text.is_not(None), TurnRow.text != "")
            .order_by(TurnRow.at.desc())
            .limit(limit)
        )
        if since is not None:
            q = q.where(TurnRow.at >= since)
        async with self._sessions() as s:
            rows = (await s.execute(q)).all()
        return [UnansweredQuestion(cid, at, text or "", lang, score) for cid, at, text, lang, score in rows]

    async def top_intents(self, *, since: datetime | None = None, limit: int = 20) -> list[tuple[str, int]]:
        """The most asked intents (answered turns), most frequent first."""
        q = (
            select(TurnRow.intent, func.count().label("n"))
            .where(TurnRow.intent.is_not(None), TurnRow.decision == "answer")
            .group_by(TurnRow.intent)
            .order_by(func.count().desc(), TurnRow.intent)
            .limit(limit)
        )
        if since is not None:
            q = q.where(TurnRow.at >= since)
        async with self._sessions() as s:
            rows = (await s.execute(q)).all()
        return [(str(intent), int(n)) for intent, n in rows]
