"""A buffered stream for engines that recognise whole utterances (whisper)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from ivr.asr.types import Transcript, alternatives_of
from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.errors import AudioError

Recognize = Callable[[bytes, str, "str | None"], Awaitable[str]]


class BufferedSttStream:
    """Collects frames; on ``end_input`` recognises the whole buffer once and yields one final transcript."""

    def __init__(self, recognize: Recognize, lang: str, prompt: str | None = None) -> None:
        self._recognize = recognize
        self._lang = lang
        self._prompt = prompt
        self._chunks: list[bytes] = []
        self._queue: asyncio.Queue[Transcript | BaseException | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def push_frame(self, frame: AudioFrame) -> None:
        """Add audio (16 kHz PCM16)."""
        if frame.rate != INTERNAL_RATE:
            raise AudioError(f"ASR expects {INTERNAL_RATE} Hz frames, got {frame.rate}")
        if self._task is None and not self._closed:
            self._chunks.append(frame.pcm)

    def end_input(self) -> None:
        """Start recognition of everything pushed so far."""
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._run(b"".join(self._chunks)))
            self._chunks = []

    async def _run(self, pcm: bytes) -> None:
        start = time.perf_counter()
        try:
            text = await self._recognize(pcm, self._lang, self._prompt)
        except Exception as exc:  # handed to the consumer, raised from __anext__
            await self._queue.put(exc)
            return
        seconds = len(pcm) / (INTERNAL_RATE * SAMPLE_WIDTH)
        elapsed = time.perf_counter() - start
        await self._queue.put(Transcript(text, self._lang, True, seconds, elapsed, alternatives_of(text)))
        await self._queue.put(None)

    async def aclose(self) -> None:
        """Abandon the stream."""
        self._closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self._queue.put(None)

    async def __aiter__(self) -> AsyncIterator[Transcript]:
        """Yield the final transcript (after ``end_input``)."""
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
