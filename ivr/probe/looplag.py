"""How late the bot's event loop runs callbacks: a probe task that sleeps a fixed period and times its wake-up.

Every frame of every call goes through one asyncio loop; anything that blocks it (a matcher call, a model
in the loop) delays every caller's audio at once. The lag of a ``sleep(period)`` is that delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from types import TracebackType


class LoopLagProbe:
    """``async with LoopLagProbe() as probe: ...`` then ``probe.summary()``."""

    def __init__(self, period_s: float = 0.05) -> None:
        self.period_s = period_s
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(self.period_s)
            self.lags.append(max(0.0, time.perf_counter() - t0 - self.period_s))

    async def __aenter__(self) -> LoopLagProbe:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def summary(self) -> dict[str, float | int]:
        """Samples, max and p99 of the lag in milliseconds."""
        if not self.lags:
            return {"samples": 0}
        ordered = sorted(self.lags)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return {"samples": len(ordered), "max_ms": round(ordered[-1] * 1000, 1), "p99_ms": round(p99 * 1000, 1),
                "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2)}
