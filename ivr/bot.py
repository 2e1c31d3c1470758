"""What a running voicebot is made of: the heavy engines, and the bot holding every part it started.

Apart from :mod:`ivr.app` (which builds and starts them) so that :mod:`ivr.wiring` can name the types
without importing the module that imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ivr.call.events import EventHub
from ivr.call.router import StasisRouter
from ivr.clock import Clock, SystemClock
from ivr.config import Settings
from ivr.nlu.types import MatchResult
from ivr.runtime.looplag import LoopLagMonitor
from ivr.runtime.status import RuntimeStatus, now_status
from ivr.telephony.ari.client import AriClient
from ivr.telephony.audiosocket import AudioSocketServer

if TYPE_CHECKING:  # the side services are imported when started (``ivr.wiring``), not to run ``ivr --help``
    import uvicorn

    from ivr.actions.callbacks import CallbackScheduler
    from ivr.actions.dialer import AriCallbackDialer
    from ivr.actions.sms.outbox import SmsOutbox
    from ivr.cluster.kbsync import KbSync
    from ivr.store.db import Database
    from ivr.store.writer import StoreWriter
    from ivr.telephony.ami import AmiClient



@dataclass
class Engines:
    """The heavy, shared parts: one of each per process, whatever the number of calls."""

    settings: Settings
    holder: Any
    matcher: Any = None
    hours: Any = None
    view: Any = None
    stt: Any = None
    tts: Any = None
    prompts: dict[str, str | None] = field(default_factory=dict)

    def rebuild(self, kb: Any) -> None:
        """A new knowledge base was accepted: new matcher, opening hours and vocabulary prompts."""
        from ivr.dialog.hours import OpeningHours
        from ivr.dialog.kbview import from_kb
        from ivr.nlu.matcher import build_matcher
        from ivr.nlu.vocabulary import recognition_prompt

        self.matcher = build_matcher(kb, self.settings.nlu.calibration_file)
        self.view = from_kb(kb)
        self.hours = OpeningHours.from_knowledge(self.view, self.settings.dialog)
        entries = self.settings.asr.prompt_entries
        self.prompts = {lang: recognition_prompt(kb, lang, entries) for lang in ("fr", "en")}

    def match(self, text: str, lang: str) -> MatchResult:
        """Match a caller's words with whatever knowledge base is live now (a publish swaps it between turns).

        The phone can ask back, so its confirmation band reaches down to ``nlu.voice_confirm_floor``.
        """
        result: MatchResult = self.matcher.match(text, lang, confirm_floor=self.settings.nlu.voice_confirm_floor)
        return result

    def new_dialog(self, lang: str) -> Any:
        """A fresh dialog on the live knowledge base."""
        from ivr.dialog.returning import ReturningDialog

        return ReturningDialog(self.view, self.hours, self.settings.dialog, lang=lang)


@dataclass
class Bot:
    """A running voicebot (used by ``ivr serve`` and, in-process, by the integration tests)."""

    settings: Settings
    engines: Engines
    ari: AriClient
    media: AudioSocketServer
    hub: EventHub
    router: StasisRouter
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    clock: Clock = field(default_factory=SystemClock)
    db: Database | None = None
    dialer: AriCallbackDialer | None = None
    scheduler: CallbackScheduler | None = None
    outbox: SmsOutbox | None = None
    web: uvicorn.Server | None = None
    ami: AmiClient | None = None
    kbsync: KbSync | None = None
    store_writer: StoreWriter | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    looplag: LoopLagMonitor = field(default_factory=LoopLagMonitor)
    """Event-loop lag (max, p99) of this process: ``bot.looplag.snapshot()``, also in ``ivr status --json``."""

    def runtime_status(self) -> RuntimeStatus:
        """Calls held, recognition backlog and loop lag now."""
        lag = self.looplag.snapshot()
        services = self.router.services if self.router is not None else None
        load = services.recognition_load() if services is not None and services.recognition_load else None
        store = self.store_writer.stats if self.store_writer is not None else None
        return now_status(
            calls=len(self.router.sessions) if self.router is not None else 0,
            asr_pending=load.pending if load else 0, asr_cost_s=round(load.per_utterance_s, 3) if load else 0.0,
            loop_lag_max_s=round(lag.max_s, 4), loop_lag_p99_s=round(lag.p99_s, 4), loop_lag_samples=lag.samples,
            store_queued=store.queued if store else 0, store_dropped=store.dropped + store.refused if store else 0,
            history_dropped=self.hub.history.dropped, tasks=_task_count(), held=self.held(),
        )

    def held(self) -> dict[str, int]:
        """Sizes of what the bot keeps per call: each returns to zero (or its bound) when calls are over."""
        out = {"history_calls": self.hub.history.calls}
        if self.media is not None:
            out |= {"media_pending": self.media.pending, "media_live": self.media.live}
        if self.router is not None:
            out |= {"router_calls": len(self.router.calls), "router_sessions": len(self.router.sessions),
                    "router_watchers": len(self.router.watchers)}
        return out

    async def stop(self) -> None:
        """Stop taking calls and release everything."""
        if self.router is not None:
            await self.router.drain(0)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                await close()
        await self.media.stop()
        await self.ari.aclose()


def _task_count() -> int:
    """Asyncio tasks of the running loop (0 outside one)."""
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:
        return 0
