"""Event-loop lag: how late a periodic task wakes up, i.e. how long something blocked the loop.

Every call's media, VAD and playback pacing share one asyncio loop; a 50 ms block there is 50 ms of
audio late for every caller at once. The capacity bench reports max and p99 at 8 calls (issue 9), and
``ivr status --json`` shows them for a running bot. Measured in real time on purpose: lag is a wall-clock
phenomenon, which a virtual clock cannot show.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass

INTERVAL_S = 0.05
"""Wake-ups every 50 ms: ≈20 per second, negligible cost, and a block of one 20 ms frame is still seen."""
WINDOW = 1200
"""The last minute of samples at 50 ms."""


@dataclass(frozen=True, slots=True)
class LagSnapshot:
    """Scheduling delay over the window, in seconds."""

    samples: int
    max_s: float
    p99_s: float
    mean_s: float


class LagStats:
    """The last ``window`` lag samples; pure, fed by the monitor (or a test)."""

    def __init__(self, window: int = WINDOW) -> None:
        self._samples: deque[float] = deque(maxlen=window)

    def add(self, lag_s: float) -> None:
        """One wake-up, ``lag_s`` seconds later than asked (clamped at 0)."""
        self._samples.append(max(0.0, lag_s))

    def reset(self) -> None:
        """Forget the samples (a bench starts a level)."""
        self._samples.clear()

    def snapshot(self) -> LagSnapshot:
        """Max, nearest-rank p99 and mean of the window."""
        if not self._samples:
            return LagSnapshot(0, 0.0, 0.0, 0.0)
        ordered = sorted(self._samples)
        rank = max(0, math.ceil(0.99 * len(ordered)) - 1)
        return LagSnapshot(len(ordered), ordered[-1], ordered[rank], sum(ordered) / len(ordered))


class LoopLagMonitor:
    """A task that sleeps ``interval_s`` and records how late it wakes."""

    def __init__(self, interval_s: float = INTERVAL_S, window: int = WINDOW) -> None:
        self.interval_s = interval_s
        self.stats = LagStats(window)

    async def run(self) -> None:
        """Measure until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self.interval_s
            await asyncio.sleep(self.interval_s)
            self.stats.add(loop.time() - asked)

    def snapshot(self) -> LagSnapshot:
        """The lag over the window."""
        return self.stats.snapshot()
