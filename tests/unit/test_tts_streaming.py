"""On a cache miss the caller hears the first words before the synthesiser has finished the answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from ivr.audio.frame import AudioFrame
from ivr.clock import SystemClock
from ivr.playback.player import Player
from ivr.tts.cache import CachedTts

VOICED = b"\x10\x27" * 320  # one 20 ms frame of a non-zero signal


class GatedEngine:
    """Renders one frame, then waits until the test lets it render the rest (a long answer)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.finished = False

    async def synthesize(self, text: str, lang: str) -> bytes:  # pragma: no cover - the path under test streams
        raise AssertionError("a cache miss must stream, not synthesise the whole answer first")

    async def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        yield AudioFrame(VOICED)
        await self.release.wait()
        for _ in range(10):
            yield AudioFrame(VOICED)
        self.finished = True

    def voice_id(self, lang: str) -> str:
        return "fake/gated"


class CollectingMedia:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False
        self.first_voice = asyncio.Event()

    async def frames(self) -> AsyncIterator[AudioFrame]:  # pragma: no cover - not used
        if False:
            yield AudioFrame(b"")

    async def send(self, pcm: bytes) -> None:
        self.sent.append(pcm)
        if any(pcm):
            self.first_voice.set()

    async def aclose(self) -> None:
        self.closed = True


async def test_first_audio_out_before_synthesis_ends(tmp_path: Path) -> None:
    engine = GatedEngine()
    tts = CachedTts(engine, tmp_path)
    media = CollectingMedia()
    player = Player(media, SystemClock())
    playing = asyncio.create_task(player.play_stream(tts.stream("Une longue réponse.", "fr"), key="answer"))
    await asyncio.wait_for(media.first_voice.wait(), 10)
    assert not engine.finished  # the caller already hears the answer while it is still being rendered
    engine.release.set()
    result = await asyncio.wait_for(playing, 10)
    await player.aclose()
    assert result.completed
    assert sum(1 for f in media.sent if any(f)) == 11
    assert tts.is_cached("Une longue réponse.", "fr")  # stored once complete: the next caller hits the file
