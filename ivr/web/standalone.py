"""Build a :class:`WebContext` without the bot (``ivr web``, browser tests): real DB, KB and matcher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from ivr.call.events import CallEvent
from ivr.cluster.kbsync import KbSync
from ivr.config import Settings
from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.matcher import Matcher, build_matcher
from ivr.nlu.model import KnowledgeBase
from ivr.store.db import Database, migrate
from ivr.telephony.ami import AmiClient
from ivr.web.context import LiveCalls, LiveCallView, SendSms, WebContext

log = logging.getLogger(__name__)


class NoLiveCalls:
    """The :class:`LiveCalls` of a web console running without the bot: no call, no event, ever."""

    def active(self) -> list[LiveCallView]:
        """Nothing is in progress."""
        return []

    async def subscribe(self) -> AsyncIterator[CallEvent]:
        """Wait until the consumer goes away (no event will come)."""
        await asyncio.Event().wait()
        return
        yield  # an async generator that never yields


class MatcherBox:
    """Holds the matcher for the knowledge base being served; rebuilt when it changes."""

    def __init__(self, calibration: Path) -> None:
        self.calibration = calibration
        self._matcher: Matcher | None = None

    def rebuild(self, kb: KnowledgeBase) -> None:
        """Build a matcher for ``kb`` (reusing the loaded sentence encoder)."""
        encoder = getattr(self._matcher, "encoder", None)
        self._matcher = build_matcher(kb, self.calibration, encoder)

    def __call__(self) -> Matcher:
        """The current matcher."""
        assert self._matcher is not None, "no knowledge base loaded yet"
        return self._matcher


def ami_client(settings: Settings) -> AmiClient:
    """An AMI client for the configured local Asterisk (not yet connected)."""
    a = settings.asterisk
    return AmiClient(a.bind, a.ami_port, a.ami_user, settings.secrets.ami_password)


@asynccontextmanager
async def standalone_context(
    settings: Settings,
    *,
    ami: AmiClient | None = None,
    live: LiveCalls | None = None,
    send_sms: SendSms | None = None,
    knowledge_dir: Path | None = None,
) -> AsyncIterator[WebContext]:
    """Migrate the database, load the knowledge base and its matcher, and yield a context."""
    await migrate(settings.database_url)
    box = MatcherBox(settings.nlu.calibration_file)
    holder = await asyncio.to_thread(
        KnowledgeHolder, knowledge_dir or settings.paths.knowledge_dir, on_change=box.rebuild
    )

    db = Database(settings.database_url)
    kbsync = KbSync(db.sessions, settings.database_url, settings.cluster.node_name)

    async def on_publish() -> None:
        issues = await asyncio.to_thread(holder.reload)
        log.info("knowledge reloaded after publish (%d issue(s))", len(issues))
        if not any(i.severity == "error" for i in issues):
            await kbsync.publish(holder.directory)  # every media node follows (cluster on PostgreSQL)

    try:
        yield WebContext(settings=settings, sessions=db.sessions, knowledge=holder, matcher=box,
                         live=live or NoLiveCalls(), ami=ami, on_publish=on_publish, send_sms=send_sms,
                         speak=_voice(settings))
    finally:
        await db.close()


def _voice(settings: Settings) -> Callable[[str, str], Awaitable[bytes]] | None:
    """The bot's own voice for the knowledge form's "listen" button (None if no engine loads here)."""
    from ivr.tts.factory import build_tts

    try:
        return build_tts(settings).synthesize
    except Exception:
        log.warning("no text-to-speech engine for the admin's listen button", exc_info=True)
        return None
