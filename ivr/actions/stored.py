"""What a live call asks for (``ivr.call.services.CallActions``): SMS via the outbox, callbacks via the scheduler."""

from __future__ import annotations

from datetime import datetime

from ivr.actions.callbacks import CallbackScheduler
from ivr.actions.sms.outbox import SmsOutbox
from ivr.errors import SmsError


class StoredActions:
    """Both are stored before this returns, so a crash after the call loses nothing."""

    def __init__(self, outbox: SmsOutbox | None, callbacks: CallbackScheduler) -> None:
        self.outbox = outbox
        self.callbacks = callbacks

    async def send_sms(self, call_id: str, number: str, text: str) -> None:
        """Queue an SMS (``InvalidNumber`` for a landline; ``SmsError`` if no gateway is configured)."""
        if self.outbox is None:
            raise SmsError("no SMS gateway configured (sms.gateway)", code="sms_disabled", retryable=False)
        await self.outbox.enqueue(call_id, number, text)

    async def schedule_callback(
        self, call_id: str, number: str, service: str, lang: str, summary: str, not_before: datetime
    ) -> None:
        """Store a callback request."""
        await self.callbacks.schedule(call_id, number, service, lang, summary, not_before)
