"""Calls, their turns and their event stream: short transactions, records out."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ivr.errors import StoreError
from ivr.store.db import SessionFactory
from ivr.store.models import CallEventRow, CallRow, TurnRow
from ivr.store.records import (
    CallDetail,
    CallSummary,
    EventRecord,
    Outcome,
    Speaker,
    TranscriptLine,
    TurnRecord,
)


class CallNotFound(StoreError):
    """No call with that id."""

    code = "call_not_found"
    retryable = False


def _summary(row: CallRow, turns: Sequence[TurnRow] = ()) -> CallSummary:
    return CallSummary(
        id=row.id,
        channel_id=row.channel_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        lang=row.lang,
        outcome=row.outcome,
        service=row.service,
        summary=row.summary,
        intents=tuple(t.intent for t in turns if t.intent),
        transcript=tuple(TranscriptLine(t.speaker, t.text) for t in turns if t.text),
        node=row.node,
    )


def _turn(row: TurnRow) -> TurnRecord:
    return TurnRecord(row.call_id, row.seq, row.at, row.speaker, row.text, row.intent, row.decision, row.score)


class CallRepository:
    """Write and read calls. Every method is one short transaction."""

    def __init__(self, sessions: SessionFactory, *, node: str | None = None) -> None:
        self._sessions = sessions
        self._node = node
        """The media node writing (``cluster.node``), stored on the calls it creates."""

    async def create_call(
        self,
        *,
        started_at: datetime,
        channel_id: str = "",
        caller_number: str | None = None,
        lang: str = "fr",
        call_id: str | None = None,
        caller_key: str | None = None,
    ) -> str:
        """Record a new live call; returns its id (a new UUID unless given)."""
        cid = call_id or str(uuid.uuid4())
        async with self._sessions.begin() as s:
            s.add(CallRow(id=cid, channel_id=channel_id, started_at=started_at, caller_number=caller_number,
                          caller_key=caller_key, lang=lang, outcome=None, purged=False, node=self._node))
        return cid

    async def ensure_call(self, call_id: str, *, started_at: datetime, channel_id: str = "") -> bool:
        """Create a minimal row for a call first seen mid-way (e.g. resumed after a restart); True if created."""
        async with self._sessions() as s:
            if await s.get(CallRow, call_id) is not None:
                return False
        try:
            await self.create_call(started_at=started_at, channel_id=channel_id, call_id=call_id)
        except IntegrityError:  # created meanwhile by someone else: fine
            return False
        return True

    async def update_call(
        self, call_id: str, *, lang: str | None = None, service: str | None = None, summary: str | None = None
    ) -> None:
        """Change what is known about a live call (language switched, service chosen, summary)."""
        values: dict[str, Any] = {
            k: v for k, v in {"lang": lang, "service": service, "summary": summary}.items() if v is not None
        }
        if values:
            await self._update(call_id, values)

    async def finish_call(
        self,
        call_id: str,
        *,
        ended_at: datetime,
        outcome: Outcome | str,
        service: str | None = None,
        summary: str | None = None,
    ) -> None:
        """Close a call with its outcome (``resolved``, ``transferred``, ``callback``...)."""
        values: dict[str, Any] = {"ended_at": ended_at, "outcome": str(Outcome(outcome))}
        if service is not None:
            values["service"] = service
        if summary is not None:
            values["summary"] = summary
        await self._update(call_id, values)

    async def _update(self, call_id: str, values: dict[str, Any]) -> None:
        async with self._sessions.begin() as s:
            res = await s.execute(update(CallRow).where(CallRow.id == call_id).values(**values))
            if getattr(res, "rowcount", 1) == 0:
                raise CallNotFound(f"no call {call_id}")

    async def add_turn(
        self,
        call_id: str,
        *,
        at: datetime,
        speaker: Speaker | str,
        text: str | None,
        intent: str | None = None,
        decision: str | None = None,
        score: float | None = None,
    ) -> int:
        """Append a turn; returns its sequence number (1, 2, ...)."""
        speaker = str(Speaker(speaker))
        async with self._sessions.begin() as s:
            last = await s.scalar(select(func.max(TurnRow.seq)).where(TurnRow.call_id == call_id))
            seq = (last or 0) + 1
            s.add(TurnRow(call_id=call_id, seq=seq, at=at, speaker=speaker, text=text, intent=intent,
                          decision=decision, score=score))
        return seq

    async def add_event(self, call_id: str, *, at: datetime, kind: str, data: Mapping[str, Any]) -> None:
        """Store one entry of the call's event stream (``data`` must be JSON-serialisable)."""
        async with self._sessions.begin() as s:
            s.add(CallEventRow(call_id=call_id, at=at, kind=kind, data=dict(data)))

    async def list_recent(
        self,
        limit: int = 50,
        *,
        since: datetime | None = None,
        outcome: str | None = None,
        service: str | None = None,
    ) -> list[CallSummary]:
        """Newest calls first, each with its intents in order and its transcript."""
        q = select(CallRow).order_by(CallRow.started_at.desc(), CallRow.id).limit(limit)
        if since is not None:
            q = q.where(CallRow.started_at >= since)
        if outcome is not None:
            q = q.where(CallRow.outcome == outcome)
        if service is not None:
            q = q.where(CallRow.service == service)
        async with self._sessions() as s:
            calls = list((await s.scalars(q)).all())
            by_call: dict[str, list[TurnRow]] = {c.id: [] for c in calls}
            if calls:
                turns = await s.scalars(
                    select(TurnRow).where(TurnRow.call_id.in_(list(by_call))).order_by(TurnRow.call_id, TurnRow.seq)
                )
                for t in turns:
                    by_call[t.call_id].append(t)
        return [_summary(c, by_call[c.id]) for c in calls]

    async def call_of_channel(self, channel_id: str) -> str | None:
        """The newest call stored with that channel id (the ARI channel id, which AMI calls ``Uniqueid``)."""
        async with self._sessions() as s:
            found = await s.scalar(
                select(CallRow.id).where(CallRow.channel_id == channel_id).order_by(CallRow.started_at.desc()).limit(1)
            )
        return str(found) if found is not None else None

    async def live_calls(self) -> list[CallSummary]:
        """Calls without an outcome yet, oldest first."""
        async with self._sessions() as s:
            rows = (await s.scalars(
                select(CallRow).where(CallRow.outcome.is_(None)).order_by(CallRow.started_at)
            )).all()
        return [_summary(r) for r in rows]

    async def get_call(self, call_id: str) -> CallDetail:
        """Everything about one call, with the caller's number (agent and admin views)."""
        async with self._sessions() as s:
            row = await s.get(CallRow, call_id)
            if row is None:
                raise CallNotFound(f"no call {call_id}")
            turns = (await s.scalars(select(TurnRow).where(TurnRow.call_id == call_id).order_by(TurnRow.seq))).all()
            events = (await s.scalars(
                select(CallEventRow).where(CallEventRow.call_id == call_id).order_by(CallEventRow.id)
            )).all()
        return CallDetail(
            call=_summary(row, turns),
            caller_number=row.caller_number,
            turns=tuple(_turn(t) for t in turns),
            events=tuple(EventRecord(e.call_id, e.at, e.kind, MappingProxyType(dict(e.data))) for e in events),
        )
