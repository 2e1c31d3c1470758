"""Recognition on Wyoming servers (``wyoming-faster-whisper`` and the like), in-process whisper as the fallback.

``asr.engine = "wyoming"`` with ``asr.wyoming_uris`` sends each utterance to the least-loaded healthy server
of the pool (:mod:`ivr.remote`). When every server is down the utterance is recognised in process by the
default engine (loaded on first need), so a dead speech box degrades speed, never the call. The city's
vocabulary prompt is not sent: Wyoming's ``transcribe`` has no per-request prompt; set the server's own
``--initial-prompt`` instead (``ivr kb vocabulary`` prints it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from wyoming.asr import Transcribe
from wyoming.asr import Transcript as WyTranscript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient

from ivr.asr.stream import BufferedSttStream
from ivr.asr.types import SpeechToText, Transcript
from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH
from ivr.errors import AsrError
from ivr.remote.client import WyomingPool
from ivr.remote.pool import ServerView

CHUNK_BYTES = INTERNAL_RATE * SAMPLE_WIDTH // 2
"""Audio is sent in 0.5 s chunks: few events, and the server can start while the rest arrives."""


async def _transcribe_on(client: AsyncClient, pcm: bytes, lang: str) -> str:
    await client.write_event(Transcribe(language=lang).event())
    fmt = {"rate": INTERNAL_RATE, "width": SAMPLE_WIDTH, "channels": 1}
    await client.write_event(AudioStart(**fmt).event())
    for i in range(0, len(pcm), CHUNK_BYTES):
        await client.write_event(AudioChunk(audio=pcm[i:i + CHUNK_BYTES], **fmt).event())
    await client.write_event(AudioStop().event())
    while (event := await client.read_event()) is not None:
        if WyTranscript.is_type(event.type):
            return WyTranscript.from_event(event).text.strip()
    raise EOFError("the server closed the connection before the transcript")


class WyomingStt:
    """The ASR engine over a pool of Wyoming servers, with an in-process fallback."""

    def __init__(self, pool: WyomingPool, fallback: Callable[[], SpeechToText] | None) -> None:
        self.pool = pool
        self._make_fallback = fallback
        self._fallback: SpeechToText | None = None

    def stream(self, lang: str, prompt: str | None = None) -> BufferedSttStream:
        """Open a stream that recognises the utterance at ``end_input``."""
        return BufferedSttStream(self._recognize, lang, prompt)

    async def transcribe(self, pcm: bytes, lang: str, prompt: str | None = None) -> Transcript:
        """Recognise one utterance of PCM16 16 kHz audio on a server (or in process if none answers)."""
        start = time.perf_counter()
        text = await self._recognize(pcm, lang, prompt)
        return Transcript(text, lang, True, len(pcm) / (INTERNAL_RATE * SAMPLE_WIDTH), time.perf_counter() - start)

    async def _recognize(self, pcm: bytes, lang: str, prompt: str | None) -> str:
        if len(pcm) < INTERNAL_RATE * SAMPLE_WIDTH // 10:
            return ""

        async def run(client: AsyncClient) -> str:
            return await _transcribe_on(client, pcm, lang)

        text = await self.pool.request(run)
        if text is not None:
            return text
        if self._make_fallback is None:
            raise AsrError("no Wyoming ASR server answered and the in-process fallback is off", retryable=True)
        if self._fallback is None:
            self._fallback = self._make_fallback()
        result = await self._fallback.transcribe(pcm, lang, prompt)
        return result.text

    def servers(self) -> list[ServerView]:
        """Every server's health and load."""
        return self.pool.view()

    def warm_up(self, langs: tuple[str, ...] = ("fr", "en")) -> None:
        """Nothing to load: the servers hold the models (the fallback loads on first need)."""

    async def aclose(self) -> None:
        """Stop the health probes and the fallback's workers."""
        await self.pool.aclose()
        if self._fallback is not None:
            await self._fallback.aclose()
