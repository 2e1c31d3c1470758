"""Clocks: the real one and a virtual one that tests move by hand."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the code needs from time: a wall clock, a monotonic clock and sleep."""

    def now(self) -> datetime:
        """Aware UTC wall-clock time."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The machine's clocks."""

    def now(self) -> datetime:
        """Aware UTC wall-clock time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)


class VirtualClock:
    """A clock that only moves when ``advance`` is called; sleepers wake in order."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._t = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        """Start time plus the virtual seconds elapsed."""
        return self._start + timedelta(seconds=self._t)

    def monotonic(self) -> float:
        """Virtual seconds elapsed."""
        return self._t

    async def sleep(self, seconds: float) -> None:
        """Suspend until ``advance`` moves past the deadline."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._t + max(0.0, seconds), fut))
        await fut

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has passed."""
        self._t += seconds
        due = [s for s in self._sleepers if s[0] <= self._t]
        self._sleepers = [s for s in self._sleepers if s[0] > self._t]
        for _, fut in sorted(due, key=lambda s: s[0]):
            if not fut.done():
                fut.set_result(None)


class ShiftedClock(SystemClock):
    """Real time passing, but starting at a chosen wall-clock instant (demos and tests of opening hours)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """The chosen start plus the real seconds elapsed since."""
        return self._start + timedelta(seconds=time.monotonic() - self._t0)
