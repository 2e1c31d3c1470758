"""Load a period's conversations and callbacks from the store, and hand them to the pure figures.

Reads only the event kinds the figures use (``FIGURE_KINDS``): a month of a busy city hall (400 calls a day,
~10 such events each) is about 120 000 small rows, read in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from ivr.store.db import SessionFactory
from ivr.store.figures import (
    CHAT_PREFIX,
    FIGURE_KINDS,
    CallbackFact,
    Channel,
    Conversation,
    Figures,
    StoredEvent,
    compute,
)
from ivr.store.models import CallbackRow, CallEventRow, CallRow

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` and the channel it covers (``None``: phone and chat together)."""

    start: datetime
    end: datetime
    channel: Channel | None = None


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One local day of a period."""

    day: date
    figures: Figures


def channel_of(channel_id: str) -> Channel:
    """A conversation's channel, from ``calls.channel_id``."""
    return "chat" if channel_id.startswith(CHAT_PREFIX) else "phone"


def local_days(start: date, end: date, tz: tzinfo | str) -> Period:
    """The period from local midnight of ``start`` to local midnight after ``end`` (both days included)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return Period(datetime.combine(start, datetime.min.time(), zone),
                  datetime.combine(end + timedelta(days=1), datetime.min.time(), zone))


class FiguresRepository:
    """The city's figures over any period and channel."""

    def __init__(self, sessions: SessionFactory, *, reception: str, promise: timedelta) -> None:
        self._sessions = sessions
        self._reception = reception
        self._promise = promise

    async def load(self, period: Period) -> tuple[list[Conversation], list[CallbackFact]]:
        """The conversations started in the period (with their figure events) and their callbacks."""
        async with self._sessions() as s:
            rows = (await s.execute(
                select(CallRow.id, CallRow.started_at, CallRow.channel_id)
                .where(CallRow.started_at >= period.start, CallRow.started_at < period.end)
                .order_by(CallRow.started_at)
            )).all()
            calls = [(cid, at, channel_of(ch or "")) for cid, at, ch in rows]
            calls = [c for c in calls if period.channel is None or c[2] == period.channel]
            ids = [c[0] for c in calls]
            events: dict[str, list[StoredEvent]] = {cid: [] for cid in ids}
            callbacks: list[CallbackFact] = []
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i:i + _CHUNK]
                for cid, kind, data in (await s.execute(
                    select(CallEventRow.call_id, CallEventRow.kind, CallEventRow.data)
                    .where(CallEventRow.call_id.in_(chunk), CallEventRow.kind.in_(sorted(FIGURE_KINDS)))
                    .order_by(CallEventRow.id)
                )).all():
                    events[cid].append(StoredEvent(kind, dict(data or {})))
                callbacks += [_fact(r) for r in (await s.scalars(
                    select(CallbackRow).where(CallbackRow.call_id.in_(chunk))
                )).all()]
            if period.channel in (None, "chat"):  # the chat's callback form: no conversation attached
                callbacks += [_fact(r) for r in (await s.scalars(
                    select(CallbackRow).where(
                        or_(CallbackRow.call_id.is_(None), CallbackRow.call_id == ""),
                        CallbackRow.created_at >= period.start, CallbackRow.created_at < period.end,
                    )
                )).all()]
        convs = [Conversation(cid, at, ch, tuple(events[cid])) for cid, at, ch in calls]
        return convs, callbacks

    async def figures(self, period: Period, now: datetime, *, limit: int = 10) -> Figures:
        """The figures of one period."""
        convs, callbacks = await self.load(period)
        return compute(convs, callbacks, reception=self._reception, now=now, promise=self._promise, limit=limit)

    async def daily(self, period: Period, now: datetime, tz: tzinfo | str) -> list[DayFigures]:
        """The figures of each local day of the period (days without calls included), oldest first."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        convs, callbacks = await self.load(period)
        days: dict[date, tuple[list[Conversation], list[CallbackFact]]] = {}
        day = period.start.astimezone(zone).date()
        last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
        while day <= last:
            days[day] = ([], [])
            day += timedelta(days=1)
        when: dict[str, date] = {}
        for c in convs:
            d = c.started_at.astimezone(zone).date()
            when[c.call_id] = d
            days.setdefault(d, ([], []))[0].append(c)
        for cb in callbacks:
            d = when.get(cb.call_id or "") or cb.created_at.astimezone(zone).date()
            days.setdefault(d, ([], []))[1].append(cb)
        return [DayFigures(d, compute(cs, cbs, reception=self._reception, now=now, promise=self._promise))
                for d, (cs, cbs) in sorted(days.items())]


def _fact(row: CallbackRow) -> CallbackFact:
    return CallbackFact(row.call_id or None, row.service, row.created_at, row.not_before, row.status,
                        row.last_attempt_at)
