"""Recognising a caller who calls again, without looking their number up in clear.

Each call and callback stores ``caller_key`` = HMAC-SHA256(secret, E.164 number): equal numbers give equal
keys, a leaked database gives no numbers, and the key is erased with the rest of the personal data when the
retention period passes. The secret is generated on first run (``secrets.caller_key``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select

from ivr.store.db import SessionFactory
from ivr.store.models import CallbackRow, CallRow, TurnRow
from ivr.store.records import CallbackStatus, CallerMemory, PendingCallback

RECENT = timedelta(hours=48)
"""A caller who called within this window about something is asked whether it is the same thing again."""
__all__ = ["RECENT", "CallerKeys", "CallerMemory", "CallerMemoryRepository", "PendingCallback"]


class CallerKeys:
    """``key(number)``: the keyed hash a number is looked up by (``None`` for a hidden or unusable number)."""

    def __init__(self, secret: str, region: str = "FR") -> None:
        if not secret:
            raise ValueError("caller key secret is empty")
        self._secret = secret.encode()
        self._region = region

    def key(self, number: str | None) -> str | None:
        """The key of ``number`` in E.164 (national and international forms of one number match)."""
        if not number or not any(c.isdigit() for c in number):
            return None
        try:
            parsed = phonenumbers.parse(number, self._region)
            canonical = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            canonical = "".join(c for c in number if c.isdigit())
        return hmac.new(self._secret, canonical.encode(), hashlib.sha256).hexdigest()


class CallerMemoryRepository:
    """Pending callbacks and recent calls of a caller key, within the retention period."""

    def __init__(self, sessions: SessionFactory, *, retention_days: int) -> None:
        self._sessions = sessions
        self._retention = timedelta(days=retention_days)

    async def recall(self, key: str | None, now: datetime, *, exclude_call: str | None = None) -> CallerMemory:
        """What is known about ``key`` (empty for ``None``)."""
        if key is None:
            return CallerMemory()
        since = now - min(RECENT, self._retention)
        async with self._sessions() as s:
            cb = (await s.scalars(
                select(CallbackRow).where(
                    CallbackRow.caller_key == key,
                    CallbackRow.status.in_([CallbackStatus.PENDING, CallbackStatus.DIALLING]),
                    CallbackRow.created_at >= now - self._retention,
                ).order_by(CallbackRow.created_at.desc()).limit(1)
            )).first()
            q = select(CallRow.id).where(CallRow.caller_key == key, CallRow.started_at >= since,
                                         CallRow.purged.is_(False))
            if exclude_call:
                q = q.where(CallRow.id != exclude_call)
            calls = list((await s.scalars(q.order_by(CallRow.started_at.desc()).limit(10))).all())
            intent = None
            if calls:
                intent = await s.scalar(
                    select(TurnRow.intent).where(TurnRow.call_id.in_(calls), TurnRow.intent.is_not(None),
                                                 TurnRow.decision == "answer")
                    .order_by(TurnRow.at.desc()).limit(1)
                )
        pending = PendingCallback(cb.id, cb.service, cb.not_before) if cb is not None else None
        return CallerMemory(pending, intent, tuple(calls))
