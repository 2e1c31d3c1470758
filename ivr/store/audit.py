"""The audit log: who read or sent what about a citizen (GDPR accountability; never the content itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ivr.store.db import SessionFactory
from ivr.store.models import AuditRow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One access: ``actor`` did ``action`` (``read_call``, ``lookup``, ``follow``, ``sms``) on ``call_id``."""

    at: datetime
    actor: str
    action: str
    call_id: str | None
    detail: str = ""


class AuditLog:
    """Append and list entries."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def record(self, entry: AuditEntry) -> None:
        """Store one entry."""
        async with self._sessions.begin() as s:
            s.add(AuditRow(at=entry.at, actor=entry.actor, action=entry.action, call_id=entry.call_id,
                           detail=entry.detail))

    async def recent(self, limit: int = 200, actor: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if actor is not None:
            q = q.where(AuditRow.actor == actor)
        async with self._sessions() as s:
            rows = (await s.scalars(q)).all()
        return [AuditEntry(r.at, r.actor, r.action, r.call_id, r.detail) for r in rows]
