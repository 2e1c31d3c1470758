"""Barge-in at the player: an interruptible prompt stops at once, queued audio is dropped; legal notices don't."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from ivr.audio.frame import AudioFrame
from ivr.clock import VirtualClock
from ivr.playback.player import FRAME_BYTES, Player


class CollectingMedia:
    """A media connection that records what the bot sent (non-silent frames counted apart)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False

    async def frames(self) -> AsyncIterator[AudioFrame]:  # pragma: no cover - not used
        if False:
            yield AudioFrame(b"")

    async def send(self, pcm: bytes) -> None:
        self.sent.append(pcm)

    async def aclose(self) -> None:
        self.closed = True

    def voiced(self) -> int:
        return sum(1 for f in self.sent if any(f))


TONE = b"\x10\x27" * (16000 * 2)  # 2 s of a constant non-zero signal


async def run_for(clock: VirtualClock, seconds: float, step: float = 0.01) -> None:
    """Move virtual time forward in small steps, letting every woken task run between steps.

    Pacing is measured in audio time: on the virtual clock a busy machine cannot make the pump late.
    """
    for _ in range(round(seconds / step)):
        clock.advance(step)
        for _ in range(5):
            await asyncio.sleep(0)


async def test_interrupt_stops_within_the_lead_and_drops_the_queue() -> None:
    media = CollectingMedia()
    clock = VirtualClock()
    player = Player(media, clock, lead_s=0.06)
    task = asyncio.create_task(player.play(TONE, key="answer", interruptible=True))
    await run_for(clock, 0.5)
    assert player.interrupt() is True
    result = await task
    await run_for(clock, 0.5)
    await player.aclose()
    assert result.completed is False
    # 0.5 s of audio time + the 60 ms lead was sent (one frame of slack for the tick edge), never the rest
    assert 0.54 <= media.voiced() * 0.02 <= 0.6
    # the line keeps carrying (silent) frames after the stop
    assert media.sent[-1] == b"\x00" * FRAME_BYTES


async def test_non_interruptible_prompt_plays_to_the_end() -> None:
    media = CollectingMedia()
    clock = VirtualClock()
    player = Player(media, clock, lead_s=0.06)
    task = asyncio.create_task(player.play(TONE[: 32000 // 2], key="emergency", interruptible=False))
    await run_for(clock, 0.1)
    assert player.interrupt() is False
    await run_for(clock, 1.0)
    assert task.done()
    result = await task
    await player.aclose()
    assert result.completed is True
    assert media.voiced() == 25  # 0.5 s = 25 frames of 20 ms, all of them


class ClosingMedia(CollectingMedia):
    """A line that closes after ``frames`` frames (the caller hung up mid-prompt)."""

    def __init__(self, frames: int) -> None:
        super().__init__()
        self._left = frames

    async def send(self, pcm: bytes) -> None:
        await super().send(pcm)
        self._left -= 1
        if self._left <= 0:
            self.closed = True


async def test_a_line_closing_mid_prompt_ends_the_play_instead_of_waiting_forever() -> None:
    media = ClosingMedia(frames=10)
    clock = VirtualClock()
    player = Player(media, clock, lead_s=0.06)
    task = asyncio.create_task(player.play(TONE, key="answer", interruptible=False))
    await run_for(clock, 1.0)
    assert task.done(), "play() still waiting for frames that can never be sent"
    assert (await task).completed is False
    await player.aclose()
