"""In-memory fakes for the web app's collaborators: live calls the test drives by hand, an SMS outbox that records."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ivr.call.events import CallEvent, EventBody, Hangup, Started
from ivr.call.live import LiveCallView
from ivr.enums import Outcome
from ivr.web.context import WebContext


class FakeLiveCalls:
    """A :class:`ivr.call.live.LiveCalls` whose calls and events the test sets by hand."""

    def __init__(self) -> None:
        self.calls: dict[str, LiveCallView] = {}
        self._subscribers: set[asyncio.Queue[CallEvent]] = set()
        self._seq = 0

    def active(self) -> list[LiveCallView]:
        """The calls set with :meth:`start`, oldest first."""
        return sorted(self.calls.values(), key=lambda c: c.started_at)

    @property
    def subscribers(self) -> int:
        """How many consumers are listening right now."""
        return len(self._subscribers)

    async def subscribe(self) -> AsyncIterator[CallEvent]:
        """Yield every event emitted from now on."""
        queue: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    def emit(self, call_id: str, body: EventBody) -> None:
        """Send an event of ``call_id`` to every subscriber."""
        self._seq += 1
        event = CallEvent(call_id, self._seq, datetime.now(UTC), body)
        for queue in list(self._subscribers):
            queue.put_nowait(event)

    def start(self, call: LiveCallView) -> None:
        """A call enters the bot (emits ``started``)."""
        self.calls[call.call_id] = call
        self.emit(call.call_id, Started(channel="", number=call.caller_number))

    def hangup(self, call_id: str, outcome: Outcome = Outcome.RESOLVED) -> None:
        """A call ends (emits ``hangup``)."""
        self.calls.pop(call_id, None)
        self.emit(call_id, Hangup(outcome))


@dataclass
class RecordedSms:
    """An SMS the fake outbox received."""

    call_id: str
    number: str
    text: str


class FakeSmsOutbox:
    """Collects SMS instead of sending them; use ``outbox.send`` as ``WebContext.send_sms``."""

    def __init__(self) -> None:
        self.sent: list[RecordedSms] = []

    async def send(self, call_id: str, number: str, text: str) -> int:
        """Record the message."""
        self.sent.append(RecordedSms(call_id, number, text))
        return len(self.sent)


async def add_user(ctx: WebContext, name: str, role: str, password: str) -> None:
    """Create an account directly in the context's database."""
    from datetime import UTC, datetime

    from ivr.store.users import UserRepository

    await UserRepository(ctx.sessions).create(name, role, _hash(password), now=datetime.now(UTC))


@functools.lru_cache(maxsize=64)
def _hash(password: str) -> str:
    """Argon2 is deliberately slow: hash each test password once per process."""
    from ivr.web.auth import hash_password

    return hash_password(password)
