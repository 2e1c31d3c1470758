"""What the web app needs from the running bot, passed in once: :class:`WebContext`.

The bot process builds one and calls :func:`ivr.web.app.create_app`; tests build one from the in-memory
fakes of :mod:`ivr.testing.web`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ivr.clock import Clock, SystemClock
from ivr.config import Settings
from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.matcher import Matcher

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from ivr.telephony.ami import AmiClient

CALL_EVENT_KINDS: tuple[str, ...] = (
    "started", "transcript", "intent", "answer", "transfer", "callback", "hangup", "agent_transcript",
    "suggestion",
)
"""Kinds of the call events :meth:`LiveCalls.subscribe` yields.

Every event is a mapping with at least ``kind`` and ``call_id``; by kind also: ``transcript`` /
``agent_transcript``: ``text``; ``intent``: ``intent``, ``decision``, ``score``; ``answer``: ``intent``, ``text``;
``transfer``: ``service``; ``callback``: ``service``; ``hangup``: ``outcome``; ``suggestion`` (for the agent's
assist panel): ``intent``, ``text`` (the chat answer), ``link``.
"""


@dataclass(frozen=True, slots=True)
class LiveCallView:
    """One call in the bot right now, as the supervisor sees it."""

    call_id: str
    started_at: datetime
    lang: str = "fr"
    state: str = ""
    """The call state machine's current state, e.g. ``listening``, ``answering``, ``transferring``."""
    intent: str | None = None
    """The last recognised intent."""
    service: str | None = None
    caller_number: str = ""
    """Personal data: shown masked on the dashboard."""


class LiveCalls(Protocol):
    """The calls in progress (implemented by the bot; a fake in :mod:`ivr.testing.web`)."""

    def active(self) -> list[LiveCallView]:
        """The calls in the bot right now."""
        ...

    def subscribe(self) -> AsyncIterator[Mapping[str, Any]]:
        """Every call event from now on, until the consumer stops iterating."""
        ...


async def _nothing() -> None:
    return None


SendSms = Callable[[str, str, str], Awaitable[object]]
"""``send_sms(call_id, number, text)``: queue an SMS in the outbox (raises ``SmsError`` on a bad number)."""


@dataclass(frozen=True, slots=True)
class WebContext:
    """Everything the web app uses, injected."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeHolder
    matcher: Callable[[], Matcher]
    """The matcher currently serving calls (it changes when the knowledge base is published)."""
    live: LiveCalls
    ami: AmiClient | None = None
    on_publish: Callable[[], Awaitable[None]] = _nothing
    """Called after the admin publishes knowledge files: the bot reloads the KB and re-renders prompts."""
    reload_dialplan: Callable[[], Awaitable[str]] | None = None
    """Render the dialplan into Asterisk's config and reload it; returns Asterisk's output.

    ``None``: :func:`ivr.web.dialplan.default_reload` (render the templates, AMI ``dialplan reload``)."""
    send_sms: SendSms | None = None
    speak: Callable[[str, str], Awaitable[bytes]] | None = None
    """``(text, lang)`` -> 16 kHz PCM in the bot's voice: the knowledge form's "listen" button (hidden if None)."""
    clock: Clock = field(default_factory=SystemClock)
    secure_cookies: bool = False
    """Mark cookies ``Secure`` (when served behind HTTPS)."""
