"""Paced playback of bot audio to the caller, stoppable at once (barge-in).

A pump sends one 20 ms frame per tick, a small lead ahead of real time: queued prompt audio when there is
some, silence otherwise, so the caller's line carries a continuous stream. ``interrupt()`` drops whatever
is queued, so at most ``lead`` seconds of a stopped prompt still reach the caller.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterable
from dataclasses import dataclass

from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.clock import Clock
from ivr.telephony.connection import MediaConnection

FRAME_S = 0.02
FRAME_BYTES = int(INTERNAL_RATE * FRAME_S) * SAMPLE_WIDTH
SILENCE = b"\x00" * FRAME_BYTES


@dataclass(frozen=True, slots=True)
class PlayResult:
    """How a prompt ended."""

    key: str
    completed: bool
    """False when interrupted by the caller or the call ended."""
    played_s: float


class Player:
    """One call's outgoing audio."""

    def __init__(self, media: MediaConnection, clock: Clock, lead_s: float = 0.06) -> None:
        self._media = media
        self._clock = clock
        self._lead = lead_s
        self._queue: collections.deque[bytes] = collections.deque()
        self._producing = False
        self._drained = asyncio.Event()
        self._stopped = False
        self._sent = 0
        self._pump_task: asyncio.Task[None] | None = None
        self.playing = False
        self.interruptible = True
        self.current_key = ""

    def start(self) -> None:
        """Start the pump (idempotent)."""
        if self._pump_task is None:
            self._pump_task = asyncio.create_task(self._pump())

    async def aclose(self) -> None:
        """Stop the pump."""
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
            self._pump_task = None

    def interrupt(self) -> bool:
        """Stop the current prompt if it may be interrupted; True if something was stopped."""
        if self.playing and self.interruptible:
            self._drop()
            return True
        return False

    def stop(self) -> None:
        """Stop whatever is playing, interruptible or not (hang-up)."""
        self._drop()

    def _drop(self) -> None:
        self._stopped = True
        self._queue.clear()
        self._drained.set()

    async def play(self, pcm: bytes, *, key: str = "", interruptible: bool = True) -> PlayResult:
        """Play a whole clip and wait until it has been sent (or stopped)."""

        async def chunks() -> AsyncIterable[bytes]:
            for i in range(0, len(pcm), FRAME_BYTES):
                yield pcm[i : i + FRAME_BYTES]

        return await self._run(chunks(), key, interruptible)

    async def play_stream(
        self, frames: AsyncIterable[AudioFrame], *, key: str = "", interruptible: bool = True
    ) -> PlayResult:
        """Play frames as a synthesiser produces them."""

        async def chunks() -> AsyncIterable[bytes]:
            async for frame in frames:
                yield frame.pcm

        return await self._run(chunks(), key, interruptible)

    async def _run(self, chunks: AsyncIterable[bytes], key: str, interruptible: bool) -> PlayResult:
        self.start()
        self._stopped = False
        self._drained.clear()
        self.playing = True
        self.interruptible = interruptible
        self.current_key = key
        start_sent = self._sent
        pending = b""
        try:
            self._producing = True
            async for chunk in chunks:
                if self._stopped or self._media.closed:
                    break
                pending += chunk
                while len(pending) >= FRAME_BYTES:
                    self._queue.append(pending[:FRAME_BYTES])
                    pending = pending[FRAME_BYTES:]
            if pending and not self._stopped:
                self._queue.append(pending + b"\x00" * (FRAME_BYTES - len(pending)))
            self._producing = False
            if self._queue and not self._stopped:
                self._drained.clear()
                await self._drained.wait()
            # let the lead drain before saying "done"
            if not self._stopped:
                await self._clock.sleep(self._lead)
            done = not self._stopped and not self._media.closed
            return PlayResult(key, done, (self._sent - start_sent) * FRAME_S)
        finally:
            self._producing = False
            self.playing = False
            self.current_key = ""

    async def _pump(self) -> None:
        start = self._clock.monotonic()
        ticks = 0
        while not self._media.closed:
            frame = self._queue.popleft() if self._queue else SILENCE
            if frame is not SILENCE:
                self._sent += 1
            await self._media.send(frame)
            if not self._queue and not self._producing:
                self._drained.set()
            ticks += 1
            ahead = start + ticks * FRAME_S - self._lead - self._clock.monotonic()
            if ahead > 0:
                await self._clock.sleep(ahead)
            elif ahead < -0.5:  # fell far behind (a stalled loop): resynchronise instead of bursting
                start = self._clock.monotonic() - ticks * FRAME_S
        # the line is gone: whatever is queued will never be sent, so nobody may wait for it to drain
        self._queue.clear()
        self._drained.set()
