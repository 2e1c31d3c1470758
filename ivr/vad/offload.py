"""Speech probabilities computed off the event loop, a few frames per hop.

Silero costs 100–180 µs per 20 ms frame (LAB-NOTES §4); on the loop, 16 calls make that ≈0.15 s of
every second during which no call's audio is paced. One shared thread runs every call's detector (each
call's detector keeps its own state, and frames of one call stay in order because the call awaits each
hop). Two frames per hop halve the hand-over cost for 20 ms of extra decision delay; the segmenter
counts audio time, so its timings do not move.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from ivr.audio.frame import AudioFrame
from ivr.vad.events import SpeechDetector

FRAMES_PER_HOP = 2
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vad")


def _run(detector: SpeechDetector, frames: list[AudioFrame]) -> list[float]:
    return [detector.probability(f) for f in frames]


async def probabilities(detector: SpeechDetector, frames: list[AudioFrame]) -> list[float]:
    """``detector``'s probability for each frame, computed in the VAD thread."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, _run, detector, frames)


async def scored(
    frames: AsyncIterable[AudioFrame], detector: SpeechDetector
) -> AsyncIterator[tuple[AudioFrame, float]]:
    """Each frame with its speech probability, ``FRAMES_PER_HOP`` frames per trip to the VAD thread."""
    batch: list[AudioFrame] = []
    async for frame in frames:
        batch.append(frame)
        if len(batch) < FRAMES_PER_HOP:
            continue
        done, batch = batch, []
        for f, prob in zip(done, await probabilities(detector, done), strict=True):
            yield f, prob
