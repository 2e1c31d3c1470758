"""The text-to-speech protocol, and the plumbing every engine shares (framing, thread-to-async streaming).

Every engine returns the one internal format: PCM16 little-endian mono at 16 kHz. ``synthesize`` gives the
whole utterance; ``stream`` gives 20 ms frames as they are produced, so the first audio can be sent before
synthesis ends. CPU-bound work runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Protocol, runtime_checkable

from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.errors import TtsError

FRAME_MS = 20
FRAME_BYTES = INTERNAL_RATE * SAMPLE_WIDTH * FRAME_MS // 1000
"""640 bytes: one 20 ms frame of the internal format."""

LANGS = ("fr", "en")

Emit = Callable[[bytes], bool]
"""Called by a blocking producer with each new chunk of 16 kHz PCM; returns False when it should stop."""


@runtime_checkable
class TextToSpeech(Protocol):
    """A speech synthesiser: text in, internal-format PCM out."""

    async def synthesize(self, text: str, lang: str) -> bytes:
        """Return the whole utterance as PCM16 LE mono 16 kHz."""
        ...

    def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        """Yield 20 ms frames as they are produced (the last one padded with silence)."""
        ...

    def voice_id(self, lang: str) -> str:
        """Return ``"<engine>/<voice>"`` for ``lang`` (e.g. ``"pico/fr-FR"``); it names the cache folder."""
        ...


def check_lang(lang: str, supported: tuple[str, ...] = LANGS) -> str:
    """Return ``lang`` or raise :class:`TtsError` if it is not supported."""
    if lang not in supported:
        raise TtsError(f"no voice for language {lang!r} (supported: {', '.join(supported)})", code="tts_lang")
    return lang


class Framer:
    """Cuts a byte stream into 20 ms frames stamped with their audio time."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._samples = 0

    def push(self, pcm: bytes) -> list[AudioFrame]:
        """Add PCM; return every complete frame."""
        self._buf.extend(pcm)
        out: list[AudioFrame] = []
        while len(self._buf) >= FRAME_BYTES:
            out.append(self._frame(bytes(self._buf[:FRAME_BYTES])))
            del self._buf[:FRAME_BYTES]
        return out

    def flush(self) -> list[AudioFrame]:
        """Return the remaining partial frame padded with silence (none if nothing remains)."""
        if not self._buf:
            return []
        pcm = bytes(self._buf).ljust(FRAME_BYTES, b"\x00")
        self._buf.clear()
        return [self._frame(pcm)]

    def _frame(self, pcm: bytes) -> AudioFrame:
        frame = AudioFrame(pcm, INTERNAL_RATE, self._samples / INTERNAL_RATE)
        self._samples += len(pcm) // SAMPLE_WIDTH
        return frame


def frames_of(pcm: bytes) -> Iterator[AudioFrame]:
    """Cut a whole utterance into 20 ms frames."""
    framer = Framer()
    yield from framer.push(pcm)
    yield from framer.flush()


async def iter_frames(pcm: bytes) -> AsyncIterator[AudioFrame]:
    """Stream a whole utterance as 20 ms frames."""
    for frame in frames_of(pcm):
        yield frame


_DONE = object()


async def stream_from_thread(produce: Callable[[Emit], None]) -> AsyncIterator[AudioFrame]:
    """Run the blocking ``produce(emit)`` in a thread and yield its audio as 20 ms frames.

    Closing the iterator early (barge-in) makes the next ``emit`` return False so synthesis stops.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def emit(pcm: bytes) -> bool:
        if stop.is_set():
            return False
        if pcm:
            loop.call_soon_threadsafe(queue.put_nowait, pcm)
        return not stop.is_set()

    def run() -> None:
        try:
            produce(emit)
        except BaseException as exc:  # handed over to the consumer, re-raised there
            item: object = exc
        else:
            item = _DONE
        with contextlib.suppress(RuntimeError):  # the loop may be closed if the consumer went away
            loop.call_soon_threadsafe(queue.put_nowait, item)

    worker = loop.run_in_executor(None, run)
    framer = Framer()
    try:
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                if isinstance(item, TtsError):
                    raise item
                raise TtsError(f"synthesis failed: {item}") from item
            assert isinstance(item, bytes)
            for frame in framer.push(item):
                yield frame
        for frame in framer.flush():
            yield frame
        await worker
    finally:
        stop.set()


class ThreadedTts:
    """``synthesize`` and ``stream`` for an engine that renders in a blocking call (Pico, Piper).

    A subclass sets ``languages`` and implements ``render(text, lang, emit)``, which runs in a worker
    thread and hands each chunk of 16 kHz PCM to ``emit``.
    """

    languages: tuple[str, ...] = LANGS

    def render(self, text: str, lang: str, emit: Emit) -> None:
        """Blocking: synthesise ``text`` and hand each chunk of 16 kHz PCM to ``emit`` (call in a thread)."""
        raise NotImplementedError

    async def synthesize(self, text: str, lang: str) -> bytes:
        """Return the whole utterance (PCM16 LE mono 16 kHz); empty when nothing is left to say."""
        check_lang(lang, self.languages)
        chunks: list[bytes] = []

        def collect(pcm: bytes) -> bool:
            chunks.append(pcm)
            return True

        await asyncio.to_thread(self.render, text, lang, collect)
        return b"".join(chunks)

    def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        """Yield 20 ms frames as the engine produces them."""
        check_lang(lang, self.languages)
        return stream_from_thread(lambda emit: self.render(text, lang, emit))
