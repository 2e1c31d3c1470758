"""Side services attached to the bot process: persistence, SMS outbox, callbacks, retention, web console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ivr.actions.callbacks import CallbackScheduler
from ivr.actions.dialer import AriCallbackDialer
from ivr.actions.sms.factory import make_gateway
from ivr.actions.sms.outbox import SmsOutbox
from ivr.actions.stored import StoredActions
from ivr.call.queue_events import QueueRecorder
from ivr.cluster.callback_agents import QueueNodeAgents, queue_node_ami
from ivr.cluster.kbsync import KbSync
from ivr.store.callers import CallerKeys, CallerMemory, CallerMemoryRepository
from ivr.store.calls import CallRepository
from ivr.store.db import Database, migrate
from ivr.store.retention import purge_expired
from ivr.store.writer import StoreWriter
from ivr.telephony.ami import AmiClient

if TYPE_CHECKING:
    from ivr.bot import Bot
    from ivr.call.services import BotServices

log = logging.getLogger(__name__)


async def attach_side_services(bot: Bot) -> StoredActions:
    """Migrate the database, store every call event, start the SMS outbox and the callback scheduler."""
    settings = bot.settings
    clock = bot.clock
    await migrate(settings.database_url)
    db = Database(settings.database_url)
    bot.closers.append(db.close)
    bot.db = db
    keys = CallerKeys(settings.secrets.caller_key)
    # calls only enqueue their events; one writer task stores them (closed before the database: closers run
    # in reverse order)
    writer = StoreWriter(db.sessions, clock=clock, node=settings.cluster.node_name, keys=keys,
                         max_queue=settings.store.writer_queue, batch=settings.store.writer_batch)
    writer.start()
    bot.closers.append(writer.aclose)
    bot.store_writer = writer
    bot.hub.add_sink(writer)

    gateway = make_gateway(settings.sms)
    sec = settings.security
    outbox = (SmsOutbox(db.sessions, gateway, clock, region=settings.sms.region, regions=sec.number_regions,
                        per_number_day=sec.sms_per_number_day)
              if gateway is not None else None)
    dialer = AriCallbackDialer(settings, bot.ari, None, bot.engines.tts, agents=_queue_node_agents(bot))
    bot.dialer = dialer
    scheduler = CallbackScheduler(
        db.sessions, clock,
        is_open=lambda service, when: bool(bot.engines.hours.is_open(service, when)),
        agents_free=dialer.agents_free,
        dialer=dialer,
        poll_interval_s=settings.dialog.callback_poll_s,
        retry_delay_s=settings.dialog.callback_retry_s,
        node=settings.cluster.node_name,
        claim_stale_s=settings.cluster.claim_stale_s,
        region=settings.sms.region,
        regions=sec.number_regions,
        per_number_day=sec.callbacks_per_number_day,
        pending_per_number=sec.pending_callbacks_per_number,
        max_age_days=sec.callback_max_age_days,
        keys=keys,
    )
    bot.scheduler = scheduler
    bot.outbox = outbox
    if outbox is not None:
        bot.tasks.append(asyncio.create_task(outbox.run(), name="sms-outbox"))
    bot.tasks.append(asyncio.create_task(_retention(bot, db), name="retention"))
    bot.kbsync = KbSync(db.sessions, settings.database_url, settings.cluster.node_name)
    if bot.kbsync.notifies:  # a cluster on PostgreSQL: follow the knowledge published from the web front
        bot.tasks.append(asyncio.create_task(bot.kbsync.follow(bot.engines.holder, lambda: _rebuild_voices(bot)),
                                             name="kb-sync"))
    bot.ami = await connect_ami(bot)
    recorder = QueueRecorder(bot.ami, CallRepository(db.sessions).call_of_channel, bot.hub.publish, clock)
    bot.tasks.append(asyncio.create_task(recorder.run(), name="queue-recorder"))
    return StoredActions(outbox, scheduler)


def _queue_node_agents(bot: Bot) -> QueueNodeAgents | None:
    """A cluster's media node rings the queue node's agents for callbacks (asked over the queue node's AMI)."""
    if bot.settings.asterisk.role != "media":
        return None
    ami = queue_node_ami(bot.settings)
    ami.start()  # keeps trying: the queue node may come up (or back) after this node
    bot.closers.append(ami.close)
    return QueueNodeAgents(ami)


async def connect_ami(bot: Bot) -> AmiClient:
    """One AMI connection for the process: queue outcomes for the figures, queue board for the dashboard."""
    settings = bot.settings
    a = settings.asterisk
    ami = AmiClient(a.bind, a.ami_port, a.ami_user, settings.secrets.ami_password)
    ami.start()  # keeps trying from scratch: Asterisk may come up (or back) after the bot
    if not await ami.wait_connected(5):
        log.warning("AMI not reachable yet: queue outcomes and the queue board wait for it (retrying)")
    bot.closers.append(ami.close)
    return ami


def attach_caller_memory(bot: Bot, services: BotServices) -> None:
    """Returning callers: their pending callback and recent topic, looked up by the keyed hash of the number."""
    assert bot.db is not None and bot.scheduler is not None, "attach_side_services comes first"
    keys = CallerKeys(bot.settings.secrets.caller_key)
    memory = CallerMemoryRepository(bot.db.sessions, retention_days=bot.settings.store.retention_days)

    async def recall(number: str | None, call_id: str) -> CallerMemory:
        return await memory.recall(keys.key(number), bot.clock.now(), exclude_call=call_id)

    if bot.settings.dialog.recall_callers:
        services.recall = recall
    services.cancel_callback = bot.scheduler.cancel


def attach_router_handlers(bot: Bot) -> None:
    """The dialer follows its legs through the router; start the scheduler once both exist."""
    assert bot.dialer is not None and bot.scheduler is not None, "attach_side_services comes first"
    bot.dialer.router = bot.router
    bot.tasks.append(asyncio.create_task(bot.scheduler.run(), name="callback-scheduler"))


async def _rebuild_voices(bot: Bot) -> None:
    """Pre-render the new answers after a knowledge change (published here or on another node)."""
    from ivr.tts.build import build_voices, voice_texts

    report = await build_voices(bot.engines.tts, voice_texts(bot.settings))
    log.info("knowledge published: %s", report)


async def _retention(bot: Bot, db: Database) -> None:
    """Erase personal data past the retention period, once an hour."""
    days = bot.settings.store.retention_days
    while True:
        try:
            report = await purge_expired(db.sessions, bot.clock.now(), days)
            log.info("retention purge: %s", report)
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(timedelta(hours=1).total_seconds())


async def attach_web(bot: Bot) -> None:
    """Serve the agent console, dashboard, admin and chat from the bot's own event loop."""
    import uvicorn

    from ivr.call.live import HubLiveCalls
    from ivr.nlu.encoder import default_encoder
    from ivr.nlu.recalibrate import Recalibrator, fit_with
    from ivr.web.app import create_app
    from ivr.web.context import WebContext

    settings = bot.settings
    ami = bot.ami or await connect_ami(bot)

    recalibrator = Recalibrator(settings.nlu.calibration_file, fit_with(default_encoder),
                                on_done=bot.engines.rebuild)

    async def on_publish() -> None:
        # parsing YAML and re-embedding every example takes seconds: never on the calls' event loop
        issues = await asyncio.to_thread(bot.engines.holder.reload)
        if any(i.severity == "error" for i in issues):
            return
        if bot.kbsync is not None:
            await bot.kbsync.publish(bot.engines.holder.directory)
        await _rebuild_voices(bot)
        recalibrator.request(bot.engines.holder.kb)  # `ivr kb calibrate` in the background

    async def send_sms(call_id: str, number: str, text: str) -> object:
        if bot.outbox is None:
            from ivr.errors import SmsError

            raise SmsError("no SMS gateway configured", retryable=False)
        return await bot.outbox.enqueue(call_id, number, text)

    assert bot.db is not None, "attach_side_services comes first"
    ctx = WebContext(
        settings=settings,
        sessions=bot.db.sessions,
        knowledge=bot.engines.holder,
        matcher=lambda: bot.engines.matcher,
        live=HubLiveCalls(bot.hub),
        ami=ami,
        on_publish=on_publish,
        send_sms=send_sms,
        clock=bot.clock,
        speak=bot.engines.tts.synthesize,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host=settings.web.host, port=settings.web.port, log_level="warning",
                       lifespan="on")
    )
    # the bot process owns SIGTERM/SIGINT (uvicorn would otherwise capture them)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    bot.tasks.append(asyncio.create_task(_serve_web(server), name="web"))
    bot.web = server


async def _serve_web(server: Any) -> None:
    """Run uvicorn on a socket bound here, so a taken port is a crash of this task that the supervisor sees.

    (uvicorn's own bind failure first waits for the app's lifespan shutdown, then calls ``sys.exit``: it could
    hang, and a ``SystemExit`` in a task would skip the orderly stop.)
    """
    import socket

    cfg = server.config
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((cfg.host, cfg.port))
    except OSError:
        sock.close()
        raise
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:
        raise RuntimeError(f"web server stopped at start-up (exit {exc.code})") from None
    finally:
        sock.close()
