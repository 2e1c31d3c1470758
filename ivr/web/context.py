"""What the web app needs from the running bot, passed in once: :class:`WebContext`.

The bot process builds one and calls :func:`ivr.web.app.create_app`; tests build one from the in-memory
fakes of :mod:`ivr.testing.web`. The live calls and their typed events come from :mod:`ivr.call.live`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ivr.call.live import LiveCalls, LiveCallView
from ivr.clock import Clock, SystemClock
from ivr.config import Settings
from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.matcher import Matcher

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from ivr.telephony.ami import AmiClient

__all__ = ["LiveCallView", "LiveCalls", "SendSms", "WebContext"]


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
