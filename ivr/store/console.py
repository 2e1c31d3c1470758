"""Queries the web consoles need beyond the repositories (outcomes per service, previous calls, chat callbacks).

In the store, like every SQL statement: the web reads and writes the database only through ``ivr.store``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from ivr.store.db import SessionFactory
from ivr.store.models import CallbackRow, CallRow, TurnRow
from ivr.store.records import CallbackStatus, CallSummary, TranscriptLine


async def outcomes_by_service(
    sessions: SessionFactory, start: datetime, end: datetime, unrouted: str
) -> dict[str, dict[str, int]]:
    """Finished calls started in ``[start, end)``: service -> outcome -> count (no service: ``unrouted``)."""
    q = (
        select(CallRow.service, CallRow.outcome, func.count())
        .where(CallRow.started_at >= start, CallRow.started_at < end, CallRow.outcome.is_not(None))
        .group_by(CallRow.service, CallRow.outcome)
    )
    out: dict[str, dict[str, int]] = defaultdict(dict)
    async with sessions() as s:
        for service, outcome, n in (await s.execute(q)).all():
            out[service or unrouted][str(outcome)] = int(n)
    return dict(out)


async def previous_calls(
    sessions: SessionFactory, caller_key: str | None, *, exclude: str = "", limit: int = 5
) -> list[CallSummary]:
    """The same caller's earlier calls, newest first, with their caller-side transcript.

    Found by the keyed hash of the number (``ivr.store.callers``), never by the number in clear; the key is
    erased with the number when the retention period passes, so older calls are not linked any more.
    """
    if not caller_key:
        return []
    async with sessions() as s:
        rows = (await s.scalars(
            select(CallRow).where(CallRow.caller_key == caller_key, CallRow.id != exclude)
            .order_by(CallRow.started_at.desc()).limit(limit)
        )).all()
        turns: dict[str, list[TurnRow]] = {r.id: [] for r in rows}
        if rows:
            for t in await s.scalars(
                select(TurnRow).where(TurnRow.call_id.in_(list(turns))).order_by(TurnRow.call_id, TurnRow.seq)
            ):
                turns[t.call_id].append(t)
    return [
        CallSummary(
            id=r.id, channel_id=r.channel_id, started_at=r.started_at, ended_at=r.ended_at, lang=r.lang,
            outcome=r.outcome, service=r.service, summary=r.summary,
            intents=tuple(t.intent for t in turns[r.id] if t.intent and t.speaker == "caller"),
            transcript=tuple(TranscriptLine(t.speaker, t.text or "") for t in turns[r.id] if t.text),
        )
        for r in rows
    ]


async def create_callback_request(
    sessions: SessionFactory, *, number: str, service: str, lang: str, summary: str, now: datetime,
    caller_key: str | None = None,
) -> int:
    """Store a callback request from the web chat (picked up by the callback scheduler)."""
    async with sessions.begin() as s:
        row = CallbackRow(
            call_id=None, number=number, caller_key=caller_key, service=service, lang=lang, summary=summary,
            not_before=now,
            status=CallbackStatus.PENDING.value, attempts=0, created_at=now,
        )
        s.add(row)
        await s.flush()
        return int(row.id)
