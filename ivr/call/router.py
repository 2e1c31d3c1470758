"""The Stasis application: routes ARI events to one task per call, by the arguments the dialplan passes.

Arguments: ``inbound`` (a citizen on the trunk), ``queue-exit,<service>,<reason>`` (back from a queue:
callback key pressed, timeout, no agents). A crash in one call's task never reaches another call.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ivr.call.admission import Admit, decide
from ivr.call.overflow import OverflowDesk
from ivr.call.services import BotServices
from ivr.call.session import CallSession
from ivr.dialog import events as dev
from ivr.enums import Outcome
from ivr.errors import AriError, AriNotFound
from ivr.telephony.ari.events import (
    AriEvent,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    StasisEnd,
    StasisStart,
    event_channel_id,
)
from ivr.telephony.ari.protocol import StasisAri
from ivr.telephony.audiosocket import AudioSocketServer
from ivr.telephony.connection import MediaConnection
from ivr.telephony.medialeg import attach_media

log = logging.getLogger(__name__)

PARK_MARGIN_S = 300.0
"""Beyond the queue's timeout, how long a call handed to a queue is remembered for its return: the Dial and
the queue's own set-up take seconds; minutes of margin cost one small record per transfer."""
WATCH_QUEUE = 256
"""Events kept for one followed channel (a dialer leg) until its follower reads them."""

OtherHandler = Callable[[StasisStart], Awaitable[None]]
ConnectMedia = Callable[[], Awaitable[tuple[MediaConnection, Callable[[], Awaitable[None]]]]]


class Call(Protocol):
    """What the router drives in a call (:class:`CallSession`; a fake in the router's unit tests)."""

    call_id: str
    dialog: Any

    def on_dtmf(self, digit: str) -> None: ...
    def on_hangup(self) -> None: ...
    async def run(self) -> Outcome: ...


class SessionFactory(Protocol):
    """Builds the call for a channel: ``CallSession`` in the bot, a scripted call in tests."""

    def __call__(
        self, channel_id: str, caller_number: str, *, connect_media: ConnectMedia, call_id: str | None,
        dialog: Any, resume: dev.QueueExited | None,
    ) -> Call: ...


@dataclass
class _Call:
    call_id: str
    caller_number: str
    dialog: Any
    session: Call | None = None
    task: asyncio.Task[Outcome] | None = None
    parked_at: float | None = None
    """Monotonic time its session handed it to a queue (it may come back with ``queue-exit``)."""


@dataclass
class StasisRouter:
    """Dispatches events to sessions."""

    services: BotServices
    ari: StasisAri
    media: AudioSocketServer
    handlers: dict[str, OtherHandler] = field(default_factory=dict)
    """Extra Stasis entry points by first argument (e.g. the callback dialer's agent/citizen legs)."""
    calls: dict[str, _Call] = field(default_factory=dict)
    sessions: dict[str, Call] = field(default_factory=dict)
    watchers: dict[str, asyncio.Queue[AriEvent]] = field(default_factory=dict)
    """Channels someone follows event by event (the callback dialer's legs)."""
    overflow: OverflowDesk | None = None
    new_session: SessionFactory | None = None
    """Injected in tests; by default a :class:`CallSession` on ``services``."""

    def __post_init__(self) -> None:
        if self.new_session is None:
            self.new_session = functools.partial(CallSession, self.services)
        self.overflow = self.overflow or OverflowDesk(self.services)
        self.handlers.setdefault("overflow-callback", self.overflow.on_callback_key)

    def watch(self, channel_id: str) -> asyncio.Queue[AriEvent]:
        """Receive every event of ``channel_id`` (call before originating it)."""
        # bounded: a leg nobody reads any more (its follower crashed) must not collect events forever; a
        # followed leg sees a handful (StasisStart, state changes, DTMF, StasisEnd)
        return self.watchers.setdefault(channel_id, asyncio.Queue(maxsize=WATCH_QUEUE))

    def unwatch(self, channel_id: str) -> None:
        """Stop following a channel."""
        self.watchers.pop(channel_id, None)

    async def adopt_orphans(self) -> int:
        """Channels left in our app by a previous (crashed) bot go to human reception."""
        moved = 0
        for raw in await self.ari.list_channels():
            name = str(raw.get("name", ""))
            if name.startswith(("AudioSocket/", "UnicastRTP/", "WebSocket/")):
                with contextlib.suppress(AriError):
                    await self.ari.hangup(str(raw["id"]))
                continue
            dialplan = raw.get("dialplan") or {}
            if dialplan.get("app_name") == "Stasis" and self.ari.app in str(dialplan.get("app_data", "")):
                with contextlib.suppress(AriError):
                    await self.ari.continue_in_dialplan(str(raw["id"]), "ivr-fallback", "s")
                    moved += 1
        for bridge in await self.ari.list_bridges():
            if not bridge.get("channels"):
                with contextlib.suppress(AriError):
                    await self.ari.destroy_bridge(str(bridge["id"]))
        if moved:
            log.warning("sent %d orphaned call(s) to human reception", moved)
        return moved

    async def run(self) -> None:
        """Consume events forever."""
        async for event in self.ari.events():
            try:
                await self.dispatch(event)
            except Exception:
                log.exception("event dispatch failed")

    async def dispatch(self, event: AriEvent) -> None:
        """Route one event."""
        cid = event_channel_id(event)
        if cid is not None and cid in self.watchers:
            try:
                self.watchers[cid].put_nowait(event)
            except asyncio.QueueFull:
                log.warning("nobody reads channel %s's events: dropping %s", cid, type(event).__name__)
            return
        if isinstance(event, StasisStart):
            await self._on_start(event)
            return
        if isinstance(event, ChannelDtmfReceived):
            session = self.sessions.get(event.channel.id)
            if session is not None:
                session.on_dtmf(event.digit)
            return
        if isinstance(event, (ChannelHangupRequest, StasisEnd, ChannelDestroyed)):
            session = self.sessions.get(event.channel.id)
            if session is not None:
                session.on_hangup()
            if isinstance(event, ChannelDestroyed):
                self.calls.pop(event.channel.id, None)

    def _expire_parked(self) -> None:
        """Forget calls handed to a queue longer ago than a queue can keep a caller (plus set-up margin).

        A caller leaves the queue for the bot only when no agent took the call, within the queue's timeout;
        one who hung up in the queue or talked to an agent never comes back, and ChannelDestroyed does not
        reach an app the channel has left. One that comes back later still gets a fresh dialog on its call id.
        """
        limit = self.services.settings.asterisk.queue_timeout_s + PARK_MARGIN_S
        now = self.services.clock.monotonic()
        for cid in [cid for cid, c in self.calls.items() if c.parked_at is not None and now - c.parked_at > limit]:
            del self.calls[cid]

    async def _on_start(self, event: StasisStart) -> None:
        self._expire_parked()
        ch = event.channel
        if ch.name.startswith(("AudioSocket/", "UnicastRTP/", "WebSocket/", "Snoop/")):
            return  # our own media legs
        kind = event.args[0] if event.args else "inbound"
        if kind in self.handlers:
            handler_task: asyncio.Task[None] = asyncio.ensure_future(self.handlers[kind](event))
            handler_task.add_done_callback(_log_failure)
            return
        resume: dev.QueueExited | None = None
        call = self.calls.get(ch.id)
        if kind == "queue-exit":
            service = event.args[1] if len(event.args) > 1 else self.services.settings.asterisk.fallback_queue
            status = event.args[2] if len(event.args) > 2 else "timeout"
            reason = "callback_key" if status == "callback_key" else (
                "no_agents" if status in ("JOINEMPTY", "LEAVEEMPTY") else "timeout")
            resume = dev.QueueExited(service, reason)  # type: ignore[arg-type]
            if call is not None and call.task is not None and not call.task.done():
                # back before the hand-off's session has ended (a queue node that cannot be reached fails the
                # Dial at once): its dialog, in TRANSFERRING, is what the resumed session continues
                await asyncio.wait({call.task}, timeout=5)
            if call is None:  # the bot restarted while the caller waited: start a fresh dialog
                call = _Call(await self._call_id_of(ch.id), ch.caller_number, None)
        elif kind.startswith("callback-"):
            # a callback leg whose dialer has already given up on it (it entered the app too late): nobody
            # is waiting on it, and ringing reception with an agent or a citizen on it would confuse both
            log.info("callback leg %s entered the app after its dialer gave up: hanging up", ch.id)
            with contextlib.suppress(AriError):
                await self.ari.hangup(ch.id)
            return
        elif kind != "inbound":
            log.warning("unknown Stasis entry %r: sending the call to reception", kind)
            with contextlib.suppress(AriNotFound):  # already gone
                await self.ari.continue_in_dialplan(ch.id, "ivr-fallback", "s")
            return
        if call is None:
            load = self.services.recognition_load() if self.services.recognition_load else None
            verdict = decide(self.services.settings.overload, len(self.sessions), load)
            if not isinstance(verdict, Admit) and self.overflow is not None:
                await self.overflow.send(ch.id, ch.caller_number, verdict)
                return
            call = _Call("", ch.caller_number, None)
        self.calls[ch.id] = call
        await self._start_session(ch.id, call, resume)

    async def _call_id_of(self, channel_id: str) -> str:
        with contextlib.suppress(AriError):
            return await self.ari.get_variable(channel_id, "IVR_CALL_ID")
        return ""

    async def _start_session(self, channel_id: str, call: _Call, resume: dev.QueueExited | None) -> None:
        services = self.services

        async def connect() -> tuple[MediaConnection, Callable[[], Awaitable[None]]]:
            leg = await attach_media(self.ari, self.media, channel_id, services.media_host)

            async def release() -> None:
                await leg.detach(self.ari)

            return leg.connection, release

        assert self.new_session is not None
        session = self.new_session(
            channel_id, call.caller_number, connect_media=connect, call_id=call.call_id or None,
            dialog=call.dialog, resume=resume,
        )
        call.call_id = session.call_id
        call.session = session
        call.parked_at = None
        self.sessions[channel_id] = session

        async def run() -> Outcome:
            outcome: Outcome | None = None
            try:
                outcome = await session.run()
                return outcome
            finally:
                call.dialog = session.dialog
                self.sessions.pop(channel_id, None)
                if outcome is Outcome.TRANSFERRED:
                    call.parked_at = services.clock.monotonic()
                elif self.calls.get(channel_id) is call:
                    # only a call handed to a queue comes back (queue-exit) and needs its dialog; the others
                    # are over, and ChannelDestroyed never reaches an app the channel has left: kept, each
                    # ended call held its session and dialog for the process's life (issue 11, memory)
                    del self.calls[channel_id]

        call.task = asyncio.create_task(run())
        call.task.add_done_callback(_log_failure)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait for running calls, then cancel the stragglers so each releases its bridge and socket."""
        tasks = [c.task for c in self.calls.values() if c.task is not None and not c.task.done()]
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("call task failed: %r", exc)
