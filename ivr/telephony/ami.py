r"""A small asyncio AMI (Asterisk Manager Interface) client.

Why not panoramisk 1.4: its four known bugs all sit in its framing and future handling (a UTF-8 character
split across TCP reads is dropped, ``QueueAdd``'s future never resolves, a trailing empty header is lost,
it builds its loop outside a running one) and its API is untyped. AMI is a simple line protocol: this client
frames on raw bytes (``\\r\\n\\r\\n``) and decodes whole messages, correlates every response by ``ActionID``,
collects ``EventList`` replies until their ``...Complete`` event, reconnects with a minimum delay, and hands
typed events (:mod:`ivr.telephony.ami_events`) to subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ivr.errors import AmiError
from ivr.telephony.ami_events import (
    AmiMessage,
    QueueEntry,
    QueueEvent,
    QueueMemberStatus,
    QueueParams,
    QueueSummary,
    encode_action,
    parse_message,
    parse_queue_event,
)

log = logging.getLogger(__name__)

_TERMINATOR = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class AmiReply:
    """An action's response, plus the events of an ``EventList`` reply."""

    response: AmiMessage
    events: tuple[AmiMessage, ...] = ()

    @property
    def ok(self) -> bool:
        """``Response: Success`` (or ``Follows``)."""
        return self.response.get("Response").lower() in {"success", "follows"}


@dataclass(frozen=True, slots=True)
class QueueStatusResult:
    """What ``QueueStatus`` returns, typed."""

    queues: tuple[QueueParams, ...]
    members: tuple[QueueMemberStatus, ...]
    entries: tuple[QueueEntry, ...]


class _Pending:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.future: asyncio.Future[AmiReply] = loop.create_future()
        self.response: AmiMessage | None = None
        self.events: list[AmiMessage] = []


class AmiClient:
    """Connect with :meth:`connect`, then call actions; :meth:`subscribe` yields queue events."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        timeout: float = 10.0,
        reconnect_delay: float = 1.0,
    ) -> None:
        self.host, self.port, self.username = host, port, username
        self._secret = secret
        self._timeout = timeout
        self._reconnect_delay = reconnect_delay
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        self._subscribers: set[asyncio.Queue[QueueEvent]] = set()
        self._stream: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._logged_in = False
        self._closing = False
        self._up = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether the client is logged in right now."""
        return self._logged_in

    def start(self) -> None:
        """Connect in the background and stay connected, retrying from scratch (Asterisk may start after us).

        Unlike :meth:`connect`, a first failure is not an error: the client keeps trying every
        ``reconnect_delay`` seconds; :meth:`wait_connected` tells when it is logged in.
        """
        if self._reader_task is None:
            self._closing = False
            self._reader_task = asyncio.create_task(self._run(opened=False), name="ami-reader")

    async def wait_connected(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for a logged-in connection; True if there is one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._up.wait(), timeout)
        return self._logged_in

    async def connect(self) -> None:
        """Open the connection and log in (raises if that fails); afterwards the client reconnects by itself."""
        self._closing = False
        await self._open()
        self._reader_task = asyncio.create_task(self._run(), name="ami-reader")
        try:
            await self._login()
        except AmiError:
            await self.close()
            raise

    async def close(self) -> None:
        """Log off and stop reconnecting."""
        if self._logged_in:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.action("Logoff"), 2.0)
        self._closing = True
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
            self._reader_task = None
        self._drop_connection(AmiError("AMI client closed", retryable=False))

    async def _open(self) -> None:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self._timeout
            )
            greeting = await asyncio.wait_for(reader.readline(), self._timeout)
        except (OSError, TimeoutError) as exc:
            raise AmiError(f"cannot reach AMI at {self.host}:{self.port}: {exc}") from exc
        if not greeting.startswith(b"Asterisk Call Manager"):
            writer.close()
            raise AmiError(f"not an AMI server at {self.host}:{self.port}", retryable=False)
        self._stream, self._writer = reader, writer

    async def _login(self) -> None:
        reply = await self._send(
            "Login", {"Username": self.username, "Secret": self._secret, "Events": "on"}, before_login=True
        )
        if not reply.ok:
            if self._writer is not None:
                self._writer.close()
            raise AmiError(f"AMI login refused: {reply.response.get('Message')}", retryable=False)
        self._logged_in = True
        self._up.set()
        log.info("AMI connected to %s:%d", self.host, self.port)

    async def _relogin(self) -> None:
        try:
            await self._login()
        except AmiError as exc:
            # never stay half-connected (open but logged out): drop it, the loop starts again from scratch
            log.warning("AMI login after reconnect failed: %s", exc.message)
            if self._writer is not None:
                self._writer.close()

    async def _run(self, opened: bool = True) -> None:
        """Read while connected; when the connection is lost (or never was), open and log in again."""
        failures = 0
        login: asyncio.Task[None] | None = None
        while not self._closing:
            if not opened:
                try:
                    await self._open()
                except AmiError as exc:
                    failures += 1
                    if failures == 1 or failures % 30 == 0:
                        log.warning("AMI not reachable (attempt %d): %s", failures, exc.message)
                    await asyncio.sleep(self._reconnect_delay)  # never a reconnect storm
                    continue
                failures = 0
                login = asyncio.create_task(self._relogin())
            opened = False
            stream = self._stream
            assert stream is not None
            try:
                await self._read_loop(stream)
            except (OSError, asyncio.IncompleteReadError) as exc:
                if not self._closing:
                    log.warning("AMI connection lost: %s", exc)
            self._drop_connection(AmiError("AMI connection lost"))
            if login is not None:
                await login
                login = None
            if not self._closing:
                await asyncio.sleep(self._reconnect_delay)

    async def _read_loop(self, stream: asyncio.StreamReader) -> None:
        buffer = b""
        while True:
            chunk = await stream.read(65536)
            if not chunk:
                raise asyncio.IncompleteReadError(buffer, None)
            buffer += chunk
            while (end := buffer.find(_TERMINATOR)) >= 0:
                raw, buffer = buffer[:end], buffer[end + len(_TERMINATOR):]
                if raw.strip():
                    self._dispatch(parse_message(raw))

    def _dispatch(self, msg: AmiMessage) -> None:
        pending = self._pending.get(msg.action_id) if msg.action_id else None
        if pending is not None:
            if not msg.event and pending.response is None:
                pending.response = msg
                if msg.get("EventList").lower() != "start":
                    self._finish(msg.action_id)
                return
            if msg.event:
                if msg.get("EventList").lower() == "complete" or msg.event.endswith("Complete"):
                    self._finish(msg.action_id)
                else:
                    pending.events.append(msg)
                return
        typed = parse_queue_event(msg)
        if typed is not None:
            for queue in list(self._subscribers):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(typed)

    def _finish(self, action_id: str) -> None:
        pending = self._pending.pop(action_id)
        assert pending.response is not None
        if not pending.future.done():
            pending.future.set_result(AmiReply(pending.response, tuple(pending.events)))

    def _drop_connection(self, error: AmiError) -> None:
        self._logged_in = False
        self._up.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(error)
        self._pending.clear()

    async def action(self, name: str, **headers: str | list[str]) -> AmiReply:
        """Send an action and wait for its full reply (raises :class:`AmiError` on timeout or disconnect)."""
        return await self._send(name, headers)

    async def _send(
        self, name: str, headers: dict[str, str | list[str]], *, before_login: bool = False
    ) -> AmiReply:
        if self._writer is None or not (self._logged_in or before_login):
            raise AmiError("AMI not connected")
        action_id = f"ivr-{next(self._ids)}"
        pending = _Pending(asyncio.get_running_loop())
        self._pending[action_id] = pending
        self._writer.write(encode_action(name, action_id, dict(headers)))
        try:
            await self._writer.drain()
            return await asyncio.wait_for(pending.future, self._timeout)
        except TimeoutError as exc:
            self._pending.pop(action_id, None)
            raise AmiError(f"AMI action {name} timed out") from exc
        except OSError as exc:
            self._pending.pop(action_id, None)
            raise AmiError(f"AMI action {name} failed: {exc}") from exc

    async def _checked(self, name: str, **headers: str | list[str]) -> AmiReply:
        reply = await self.action(name, **headers)
        if not reply.ok:
            raise AmiError(f"AMI {name} refused: {reply.response.get('Message')}", retryable=False)
        return reply

    @contextlib.asynccontextmanager
    async def subscribe(self, maxsize: int = 1000) -> AsyncIterator[asyncio.Queue[QueueEvent]]:
        """Yield a queue receiving every typed queue event while the context is open."""
        queue: asyncio.Queue[QueueEvent] = asyncio.Queue(maxsize)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def queue_status(self, queue: str | None = None) -> QueueStatusResult:
        """Return every queue's figures, members and waiting callers."""
        reply = await self._checked("QueueStatus", **({"Queue": queue} if queue else {}))
        typed = [parse_queue_event(e) for e in reply.events]
        return QueueStatusResult(
            queues=tuple(e for e in typed if isinstance(e, QueueParams)),
            members=tuple(e for e in typed if isinstance(e, QueueMemberStatus)),
            entries=tuple(e for e in typed if isinstance(e, QueueEntry)),
        )

    async def queue_summary(self, queue: str | None = None) -> list[QueueSummary]:
        """Return one summary per queue."""
        reply = await self._checked("QueueSummary", **({"Queue": queue} if queue else {}))
        return [e for e in (parse_queue_event(m) for m in reply.events) if isinstance(e, QueueSummary)]

    async def queue_add(
        self, queue: str, interface: str, member_name: str = "", paused: bool = False
    ) -> None:
        """Log an agent into a queue."""
        await self._checked("QueueAdd", Queue=queue, Interface=interface,
                            MemberName=member_name or interface, Paused="true" if paused else "false")

    async def queue_remove(self, queue: str, interface: str) -> None:
        """Log an agent out of a queue."""
        await self._checked("QueueRemove", Queue=queue, Interface=interface)

    async def queue_pause(self, interface: str, paused: bool, queue: str = "", reason: str = "") -> None:
        """Pause or resume an agent (in one queue, or all of them)."""
        headers: dict[str, str | list[str]] = {
            "Interface": interface, "Paused": "true" if paused else "false",
        }
        if queue:
            headers["Queue"] = queue
        if reason:
            headers["Reason"] = reason
        await self._checked("QueuePause", **headers)

    async def command(self, cli_command: str) -> str:
        """Run an Asterisk CLI command and return its output text."""
        reply = await self._checked("Command", Command=cli_command)
        return "\n".join(reply.response.get_all("Output"))
