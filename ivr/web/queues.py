"""Live queue board for the supervisor: a pure model fed by AMI, and the async task that feeds it.

:class:`QueueBoard` is a plain state machine (``load(status, now)``, ``apply(event, now)``), tested without
an event loop; :class:`QueueMonitor` subscribes to the AMI client, reloads ``QueueStatus`` at start and after
each reconnection, and wakes the dashboards' streams when something changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, replace

from ivr.clock import Clock
from ivr.errors import AmiError
from ivr.telephony.ami import AmiClient, QueueStatusResult
from ivr.telephony.ami_events import (
    AgentConnect,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    QueueEvent,
    QueueMemberRemoved,
    QueueMemberStatus,
)

log = logging.getLogger(__name__)

DEVICE_STATES = {
    0: ("inconnu", "unknown"), 1: ("libre", "free"), 2: ("en ligne", "in a call"), 3: ("occupé", "busy"),
    4: ("invalide", "invalid"), 5: ("déconnecté", "offline"), 6: ("sonne", "ringing"),
    7: ("sonne (en ligne)", "ringing"), 8: ("en attente", "on hold"),
}


@dataclass(frozen=True, slots=True)
class WaitingCaller:
    """A caller waiting in a queue."""

    channel: str
    caller_name: str
    since: float
    """Monotonic time the caller joined."""


@dataclass(frozen=True, slots=True)
class AgentState:
    """An agent in a queue."""

    interface: str
    name: str
    status: int
    paused: bool

    def label(self, lang: str = "fr") -> str:
        """The state in words."""
        fr, en = DEVICE_STATES.get(self.status, DEVICE_STATES[0])
        text = fr if lang == "fr" else en
        if self.paused:
            text += " (en pause)" if lang == "fr" else " (paused)"
        return text

    @property
    def available(self) -> bool:
        """Free and not paused."""
        return self.status == 1 and not self.paused


@dataclass(frozen=True, slots=True)
class QueueView:
    """One queue, ready to render."""

    name: str
    waiting: tuple[tuple[WaitingCaller, float], ...]
    """Callers in order with their wait in seconds."""
    longest_wait_s: float
    agents: tuple[AgentState, ...]
    abandoned: int

    @property
    def free_agents(self) -> int:
        """Agents able to take a call now."""
        return sum(1 for a in self.agents if a.available)


class QueueBoard:
    """Waiting callers and agents per queue."""

    def __init__(self) -> None:
        self.waiting: dict[str, dict[str, WaitingCaller]] = {}
        self.agents: dict[str, dict[str, AgentState]] = {}
        self.abandoned: dict[str, int] = {}
        self.hold: dict[str, tuple[int, int]] = {}
        """Queue -> (Asterisk's average hold time in seconds, completed calls), from ``QueueStatus``."""
        self.version = 0
        """Bumped on every change (streams compare it)."""

    def load(self, status: QueueStatusResult, now: float) -> None:
        """Replace the whole state with a ``QueueStatus`` snapshot."""
        self.waiting = {q.queue: {} for q in status.queues}
        self.agents = {q.queue: {} for q in status.queues}
        self.hold = {q.queue: (q.hold_time, q.completed) for q in status.queues}
        for e in status.entries:
            self.waiting.setdefault(e.queue, {})[e.channel] = WaitingCaller(e.channel, e.caller_name, now - e.wait)
        for m in status.members:
            self.agents.setdefault(m.queue, {})[m.interface] = AgentState(
                m.interface, m.member_name, m.status, m.paused
            )
        self.version += 1

    def apply(self, event: QueueEvent, now: float) -> bool:
        """Update from one AMI event; return whether anything changed."""
        if isinstance(event, QueueCallerJoin):
            self.waiting.setdefault(event.queue, {})[event.channel] = WaitingCaller(
                event.channel, event.caller_name, now
            )
        elif isinstance(event, QueueCallerLeave):
            self.waiting.get(event.queue, {}).pop(event.channel, None)
        elif isinstance(event, QueueCallerAbandon):
            self.waiting.get(event.queue, {}).pop(event.channel, None)
            self.abandoned[event.queue] = self.abandoned.get(event.queue, 0) + 1
        elif isinstance(event, QueueMemberStatus):
            self.agents.setdefault(event.queue, {})[event.interface] = AgentState(
                event.interface, event.member_name, event.status, event.paused
            )
        elif isinstance(event, QueueMemberRemoved):
            self.agents.get(event.queue, {}).pop(event.interface, None)
        elif isinstance(event, AgentConnect):
            self.waiting.get(event.queue, {}).pop(event.channel, None)
            agents = self.agents.get(event.queue, {})
            if event.interface in agents:
                agents[event.interface] = replace(agents[event.interface], status=2)
        else:
            return False
        self.version += 1
        return True

    def average_wait_s(self) -> float | None:
        """Average wait of answered queue calls, weighted by each queue's completed calls."""
        total = sum(done for _, done in self.hold.values())
        if not total:
            return None
        return sum(hold * done for hold, done in self.hold.values()) / total

    def views(self, now: float) -> list[QueueView]:
        """Every known queue, busiest first (then by name)."""
        out = []
        for name in set(self.waiting) | set(self.agents):
            callers = sorted(self.waiting.get(name, {}).values(), key=lambda c: c.since)
            waits = tuple((c, max(0.0, now - c.since)) for c in callers)
            agents = tuple(sorted(self.agents.get(name, {}).values(), key=lambda a: a.name))
            out.append(QueueView(name, waits, max((w for _, w in waits), default=0.0), agents,
                                 self.abandoned.get(name, 0)))
        return sorted(out, key=lambda v: (-len(v.waiting), -len(v.agents), v.name))


class QueueMonitor:
    """Keeps a :class:`QueueBoard` in step with Asterisk; ``changed`` is set on every change."""

    def __init__(self, ami: AmiClient, clock: Clock, resync_s: float = 30.0) -> None:
        self.ami = ami
        self.clock = clock
        self.board = QueueBoard()
        self.changed = asyncio.Condition()
        self.error: str | None = None
        self._resync_s = resync_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start following the queues."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="queue-monitor")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def resync(self) -> None:
        """Reload the full state from ``QueueStatus``."""
        try:
            status = await self.ami.queue_status()
        except AmiError as exc:
            self.error = exc.message
            log.warning("queue status unavailable: %s", exc.message)
            return
        self.error = None
        self.board.load(status, self.clock.monotonic())
        await self._notify()

    async def _run(self) -> None:
        async with self.ami.subscribe() as events:
            await self.resync()
            while True:
                try:
                    event = await asyncio.wait_for(events.get(), self._resync_s)
                except TimeoutError:
                    await self.resync()  # also catches up after an AMI reconnection
                    continue
                if self.board.apply(event, self.clock.monotonic()):
                    await self._notify()
