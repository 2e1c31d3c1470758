"""A call's media on virtual time: scripted caller audio in, bot audio recorded out.

The caller's side is a script of speech bursts (a loud tone, which :class:`EnergyDetector` scores as speech)
over silence, delivered one 20 ms frame per 20 ms of :class:`ivr.clock.VirtualClock` time; the stream ends
when the caller hangs up. :func:`run_for` moves the clock in frame steps and lets the event loop catch up,
so a whole call runs in milliseconds and the same way on a loaded machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np

from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.clock import VirtualClock

FRAME_S = 0.02
FRAME_SAMPLES = int(INTERNAL_RATE * FRAME_S)
_TONE = (8000 * np.sin(2 * np.pi * 300 * np.arange(FRAME_SAMPLES) / INTERNAL_RATE)).astype("<i2").tobytes()
_SILENCE = b"\x00" * FRAME_SAMPLES * SAMPLE_WIDTH


@dataclass(frozen=True, slots=True)
class Speech:
    """The caller speaks from ``at`` for ``seconds`` (audio time of the call)."""

    at: float
    seconds: float


class FakeMedia:
    """A :class:`ivr.telephony.connection.MediaConnection` driven by the virtual clock."""

    def __init__(self, clock: VirtualClock, speech: tuple[Speech, ...] = (), hangup_at: float | None = None) -> None:
        self._clock = clock
        self._speech = speech
        self._hangup_at = hangup_at
        self._closed = False
        self.sent = bytearray()
        """Every byte of bot audio the call sent."""

    def _speaking(self, t: float) -> bool:
        return any(s.at <= t < s.at + s.seconds for s in self._speech)

    async def frames(self) -> AsyncIterator[AudioFrame]:
        """Caller audio, frame ``k`` once the clock reaches its end, until hang-up or close.

        Deadlines are absolute, as a socket buffers: a reader that fell behind (waiting for the VAD or the
        matcher thread) gets the missed frames at once, so audio time stays on the clock.
        """
        start = self._clock.monotonic()
        k = 0
        while not self._closed and (self._hangup_at is None or k * FRAME_S < self._hangup_at):
            due = start + (k + 1) * FRAME_S - self._clock.monotonic()
            if due > 1e-9:
                await self._clock.sleep(due)
            yield AudioFrame(_TONE if self._speaking(k * FRAME_S) else _SILENCE, timestamp=round(k * FRAME_S, 3))
            k += 1

    async def send(self, pcm: bytes) -> None:
        """Record bot audio."""
        self.sent.extend(pcm)

    async def aclose(self) -> None:
        """Close the media path."""
        self._closed = True

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    @property
    def sent_seconds(self) -> float:
        """Seconds of bot audio sent."""
        return len(self.sent) / SAMPLE_WIDTH / INTERNAL_RATE


class EnergyDetector:
    """Speech probability from loudness: the scripted tone is speech, silence is not."""

    def probability(self, frame: AudioFrame) -> float:
        """1 for a loud frame, 0 otherwise."""
        return 1.0 if frame.rms() > 1000 else 0.0

    def reset(self) -> None:
        """Nothing to reset."""


async def settle(rounds: int = 20) -> None:
    """Let every ready task run, and give work handed to a thread (VAD, matcher) a moment to come back."""
    for _ in range(rounds):
        await asyncio.sleep(0)
    await asyncio.sleep(0.001)
    for _ in range(rounds):
        await asyncio.sleep(0)


async def run_for(clock: VirtualClock, seconds: float, step: float = FRAME_S) -> None:
    """Advance virtual time by ``seconds`` in ``step`` increments, letting the loop settle after each."""
    for _ in range(round(seconds / step)):
        clock.advance(step)
        await settle()


async def run_until(clock: VirtualClock, done: Callable[[], bool], limit_s: float, step: float = FRAME_S) -> None:
    """Advance virtual time until ``done()`` (at most ``limit_s`` virtual seconds)."""
    for _ in range(round(limit_s / step)):
        if done():
            return
        clock.advance(step)
        await settle()
