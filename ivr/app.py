"""The voicebot process: ARI Stasis app + AudioSocket media server + shared engines (+ web, + workers)."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING, Any

from ivr.bot import Bot, Engines
from ivr.call.events import EventHub
from ivr.call.router import StasisRouter
from ivr.call.services import BotServices
from ivr.clock import Clock, SystemClock
from ivr.config import Settings
from ivr.runtime.status import publish, status_path
from ivr.telephony.ari.client import AriClient
from ivr.telephony.audiosocket import AudioSocketServer

if TYPE_CHECKING:  # the side services are imported when started (``ivr.wiring``), not to run ``ivr --help``

    pass

log = logging.getLogger(__name__)


def build_engines(settings: Settings, *, warm: bool = True) -> Engines:
    """Load the knowledge base, the matcher, speech recognition and synthesis once."""
    from ivr.asr.factory import build_stt
    from ivr.nlu.holder import KnowledgeHolder
    from ivr.tts.cache import CachedTts, cache_root
    from ivr.tts.factory import build_tts

    engines = Engines(settings, holder=None)
    engines.holder = KnowledgeHolder(settings.paths.knowledge_dir, on_change=engines.rebuild)
    engines.stt = build_stt(settings)
    engines.tts = CachedTts(build_tts(settings), cache_root(settings))
    if warm:
        engines.stt.warm_up(("fr", "en"))
    return engines


def build_services(
    settings: Settings,
    engines: Engines,
    ari: Any,
    hub: EventHub,
    *,
    clock: Clock | None = None,
    actions: Any = None,
) -> BotServices:
    """Per-process services handed to every call."""
    from ivr.vad.detectors import build_detector

    a = settings.asterisk
    return BotServices(
        settings=settings,
        clock=clock or SystemClock(),
        ari=ari,
        hub=hub,
        tts=engines.tts,
        stt=engines.stt,
        match=engines.match,
        new_dialog=engines.new_dialog,
        new_detector=lambda: build_detector(settings.vad),
        vocabulary=lambda lang: engines.prompts.get(lang),
        actions=actions,
        media_host=f"{a.audiosocket_host}:{a.audiosocket_port}",
        # in-process whisper reports its backlog; remote and Vosk engines are admitted on max_calls only
        recognition_load=getattr(engines.stt, "load_now", None),
    )


async def start_bot(
    settings: Settings,
    engines: Engines | None = None,
    *,
    hub: EventHub | None = None,
    with_workers: bool = True,
    with_web: bool = False,
    clock: Clock | None = None,
) -> Bot:
    """Start the media server and the Stasis app; returns once the app is registered."""
    eng = engines if engines is not None else await asyncio.to_thread(build_engines, settings)
    hub = hub or EventHub(history_per_call=settings.store.history_per_call, history_total=settings.store.history_total)
    a = settings.asterisk
    ari = AriClient(f"http://{a.bind}:{a.ari_port}", a.ari_user, settings.secrets.ari_password, a.app)
    media = AudioSocketServer(a.audiosocket_host, a.audiosocket_port)
    await media.start()
    from ivr.wiring import attach_side_services

    clock = clock or SystemClock()
    bot = Bot(settings, eng, ari, media, hub, router=None, clock=clock)  # type: ignore[arg-type]
    actions = await attach_side_services(bot) if with_workers else None
    services = build_services(settings, eng, ari, hub, actions=actions, clock=clock)
    if with_workers:
        from ivr.wiring import attach_caller_memory

        attach_caller_memory(bot, services)
    bot.router = StasisRouter(services, ari, media)
    from ivr.call.assist import LiveAssist

    async def assist(channel_id: str, events: Any, lang: str) -> None:
        await LiveAssist(services, ari, media, eng.holder.kb).run(channel_id, events, lang)

    services.assist = assist
    if with_workers:
        from ivr.wiring import attach_router_handlers

        attach_router_handlers(bot)
    if with_web:
        from ivr.wiring import attach_web

        await attach_web(bot)
    await bot.router.adopt_orphans()
    if bot.router.overflow is not None:
        await bot.router.overflow.warm()
    bot.tasks.append(asyncio.create_task(bot.looplag.run(), name="loop-lag"))
    bot.tasks.append(asyncio.create_task(publish(status_path(settings.paths.home), bot.runtime_status),
                                         name="runtime-status"))
    bot.tasks.append(asyncio.create_task(bot.router.run(), name="router"))
    await asyncio.wait_for(ari.connected.wait(), 10)
    return bot


async def run_app(settings: Settings) -> None:
    """``ivr serve``: run until SIGTERM/SIGINT; exit non-zero if one of the bot's tasks dies (see ``supervise``)."""
    from ivr.supervise import EXIT_TASK_DIED, describe, first_to_end

    bot = await start_bot(settings, with_web=settings.web.enabled)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("voicebot ready: Stasis app %r registered", settings.asterisk.app)
    watched = [*bot.tasks, *([bot.store_writer.task] if bot.store_writer is not None else [])]
    died = await first_to_end(watched, stop)
    if died is None:
        await bot.router.drain()
        await bot.stop()
        return
    log.critical("%s: exiting so the supervisor restarts the voicebot; calls on the line go to reception",
                 describe(died))
    try:
        await asyncio.wait_for(bot.stop(), 15)
    finally:
        raise SystemExit(EXIT_TASK_DIED)
