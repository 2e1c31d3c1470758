r"""A tiny fake AMI server on loopback, for tests and for developing the dashboards without Asterisk.

It speaks the real wire format (greeting, ``\\r\\n``-separated headers, blank-line terminators), keeps a small
queue model (members, waiting callers) answering ``QueueStatus``/``QueueSummary``/``QueueAdd``/``QueueRemove``/
``QueuePause``, answers ``Command`` from a table, and can cut any message in two TCP writes at a chosen byte
(to prove a UTF-8 character split across reads survives).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

Headers = list[tuple[str, str]]


@dataclass
class FakeMember:
    """One agent in one queue."""

    interface: str
    name: str
    paused: bool = False
    status: int = 1


@dataclass
class FakeCaller:
    """One waiting caller."""

    channel: str
    caller_num: str
    caller_name: str
    wait: int = 0


@dataclass
class FakeQueue:
    """One queue of the fake server."""

    members: list[FakeMember] = field(default_factory=list)
    callers: list[FakeCaller] = field(default_factory=list)


def _encode(headers: Headers) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers).encode("utf-8") + b"\r\n"


class FakeAmiServer:
    """``async with FakeAmiServer(...) as ami:`` then connect a client to ``ami.port``."""

    def __init__(self, username: str = "ivr", secret: str = "secret") -> None:
        self.username, self.secret = username, secret
        self.queues: dict[str, FakeQueue] = {}
        self.commands: dict[str, str] = {}
        """CLI command -> output (unknown commands answer ``No such command``)."""
        self.command_hook: Callable[[str], str | None] | None = None
        """Called first for every ``Command``; a non-None result is the output."""
        self.actions: list[dict[str, str]] = []
        """Every action received, headers as a dict (for assertions)."""
        self.split_at: int | None = None
        """When set, every message is written in two TCP writes cut at this byte offset."""
        self.ignore_actions: set[str] = set()
        """Actions that get no answer at all (to test timeouts)."""
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> FakeAmiServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.drop_clients()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def drop_clients(self) -> None:
        """Close every client connection (to test reconnection)."""
        for w in self._writers:
            w.close()
            with contextlib.suppress(Exception):
                await w.wait_closed()
        self._writers.clear()

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if self.split_at is not None and 0 < self.split_at < len(data):
            writer.write(data[: self.split_at])
            await writer.drain()
            await asyncio.sleep(0.05)  # two separate TCP segments, two separate reads
            data = data[self.split_at:]
        writer.write(data)
        await writer.drain()

    async def emit(self, event: str, headers: Headers) -> None:
        """Send an event to every logged-in client."""
        data = _encode([("Event", event), *headers])
        for w in list(self._writers):
            with contextlib.suppress(ConnectionError):
                await self._write(w, data)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        buffer = b""
        try:
            while chunk := await reader.read(4096):
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    raw, buffer = buffer.split(b"\r\n\r\n", 1)
                    action: dict[str, str] = {}
                    for line in raw.decode("utf-8").split("\r\n"):
                        k, _, v = line.partition(":")
                        action[k.strip()] = v.strip()
                    self.actions.append(action)
                    await self._handle(action, writer)
        except ConnectionError:
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            writer.close()

    async def _handle(self, action: dict[str, str], writer: asyncio.StreamWriter) -> None:
        name, aid = action.get("Action", ""), action.get("ActionID", "")
        if name in self.ignore_actions:
            return
        ok: Headers = [("Response", "Success"), ("ActionID", aid)]
        if name == "Login":
            if action.get("Username") == self.username and action.get("Secret") == self.secret:
                self._writers.append(writer)
                await self._write(writer, _encode([*ok, ("Message", "Authentication accepted")]))
            else:
                await self._write(writer, _encode([("Response", "Error"), ("ActionID", aid),
                                                   ("Message", "Authentication failed")]))
            return
        if name == "Logoff":
            await self._write(writer, _encode([("Response", "Goodbye"), ("ActionID", aid)]))
            return
        if name == "Command":
            cmd = action.get("Command", "")
            out = self.command_hook(cmd) if self.command_hook else None
            if out is None:
                out = self.commands.get(cmd)
            if out is None:
                await self._write(writer, _encode([("Response", "Error"), ("ActionID", aid),
                                                   ("Message", "Command output follows"),
                                                   ("Output", f"No such command '{cmd}'")]))
                return
            lines = [("Output", line) for line in out.split("\n")]
            await self._write(writer, _encode([*ok, ("Message", "Command output follows"), *lines]))
            return
        if name in {"QueueStatus", "QueueSummary"}:
            await self._list_reply(name, aid, action.get("Queue", ""), writer)
            return
        if name in {"QueueAdd", "QueueRemove", "QueuePause"}:
            error = await self._member_action(name, action)
            if error:
                await self._write(writer, _encode([("Response", "Error"), ("ActionID", aid), ("Message", error)]))
            else:
                await self._write(writer, _encode([*ok, ("Message", "Done")]))
            return
        await self._write(writer, _encode([("Response", "Error"), ("ActionID", aid),
                                           ("Message", "Invalid/unknown command")]))

    async def _member_action(self, name: str, action: dict[str, str]) -> str:
        iface, qname = action.get("Interface", ""), action.get("Queue", "")
        paused = action.get("Paused", "false").lower() in {"1", "true", "yes"}
        if name == "QueuePause":
            hit = False
            for qn, q in self.queues.items():
                for m in q.members:
                    if m.interface == iface and (not qname or qn == qname):
                        m.paused, hit = paused, True
                        await self.emit("QueueMemberPause", self._member_headers(qn, m))
            return "" if hit else "Interface not found"
        if qname not in self.queues:
            return "Unable to add interface: No such queue" if name == "QueueAdd" else "No such queue"
        q = self.queues[qname]
        existing = [m for m in q.members if m.interface == iface]
        if name == "QueueAdd":
            if existing:
                return "Unable to add interface: Already there"
            member = FakeMember(iface, action.get("MemberName") or iface, paused)
            q.members.append(member)
            await self.emit("QueueMemberAdded", self._member_headers(qname, member))
            return ""
        if not existing:
            return "Unable to remove interface: Not there"
        q.members.remove(existing[0])
        await self.emit("QueueMemberRemoved", [("Queue", qname), ("Interface", iface),
                                               ("MemberName", existing[0].name)])
        return ""

    @staticmethod
    def _member_headers(queue: str, m: FakeMember) -> Headers:
        return [("Queue", queue), ("MemberName", m.name), ("Interface", m.interface),
                ("StateInterface", m.interface), ("Status", str(m.status)),
                ("Paused", "1" if m.paused else "0"), ("InCall", "0"), ("CallsTaken", "0")]

    async def _list_reply(self, name: str, aid: str, only: str, writer: asyncio.StreamWriter) -> None:
        out = [_encode([("Response", "Success"), ("ActionID", aid), ("EventList", "start"),
                        ("Message", "Queue status will follow")])]
        count = 0
        for qn, q in self.queues.items():
            if only and qn != only:
                continue
            if name == "QueueSummary":
                free = sum(1 for m in q.members if m.status == 1 and not m.paused)
                longest = max((c.wait for c in q.callers), default=0)
                out.append(_encode([("Event", "QueueSummary"), ("ActionID", aid), ("Queue", qn),
                                    ("LoggedIn", str(len(q.members))), ("Available", str(free)),
                                    ("Callers", str(len(q.callers))), ("HoldTime", "0"),
                                    ("TalkTime", "0"), ("LongestHoldTime", str(longest))]))
                count += 1
                continue
            out.append(_encode([("Event", "QueueParams"), ("ActionID", aid), ("Queue", qn),
                                ("Max", "0"), ("Strategy", "rrmemory"), ("Calls", str(len(q.callers))),
                                ("Holdtime", "0"), ("TalkTime", "0"), ("Completed", "0"),
                                ("Abandoned", "0")]))
            count += 1
            for m in q.members:
                out.append(_encode([("Event", "QueueMember"), ("ActionID", aid),
                                    *self._member_headers(qn, m)]))
                count += 1
            for pos, c in enumerate(q.callers, 1):
                out.append(_encode([("Event", "QueueEntry"), ("ActionID", aid), ("Queue", qn),
                                    ("Position", str(pos)), ("Channel", c.channel), ("Uniqueid", c.channel),
                                    ("CallerIDNum", c.caller_num), ("CallerIDName", c.caller_name),
                                    ("Wait", str(c.wait))]))
                count += 1
        done = "QueueStatusComplete" if name == "QueueStatus" else "QueueSummaryComplete"
        out.append(_encode([("Event", done), ("ActionID", aid), ("EventList", "Complete"),
                            ("ListItems", str(count))]))
        for data in out:
            await self._write(writer, data)

    # -- scenario helpers: change the model and emit what Asterisk would --

    async def caller_join(self, queue: str, channel: str, number: str, name: str) -> None:
        """A caller enters ``queue``."""
        q = self.queues.setdefault(queue, FakeQueue())
        q.callers.append(FakeCaller(channel, number, name))
        await self.emit("QueueCallerJoin", [("Queue", queue), ("Channel", channel), ("Uniqueid", channel),
                                            ("CallerIDNum", number), ("CallerIDName", name),
                                            ("Position", str(len(q.callers))), ("Count", str(len(q.callers)))])

    async def caller_leave(self, queue: str, channel: str, *, abandon: bool = False, hold_time: int = 0) -> None:
        """A caller leaves ``queue`` (answered, or hung up when ``abandon``)."""
        q = self.queues[queue]
        pos = next((i for i, c in enumerate(q.callers, 1) if c.channel == channel), 0)
        q.callers = [c for c in q.callers if c.channel != channel]
        if abandon:
            await self.emit("QueueCallerAbandon", [("Queue", queue), ("Channel", channel), ("Uniqueid", channel),
                                                   ("Position", str(pos)), ("OriginalPosition", str(pos)),
                                                   ("HoldTime", str(hold_time))])
        await self.emit("QueueCallerLeave", [("Queue", queue), ("Channel", channel), ("Uniqueid", channel),
                                             ("Position", str(pos)), ("Count", str(len(q.callers)))])

    async def member_status(self, queue: str, interface: str, status: int) -> None:
        """An agent's device state changes."""
        for m in self.queues[queue].members:
            if m.interface == interface:
                m.status = status
                await self.emit("QueueMemberStatus", self._member_headers(queue, m))
