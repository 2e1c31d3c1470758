"""Speech on Wyoming TTS servers (``wyoming-piper`` and the like); the in-process engine speaks when none answers.

Audio is streamed: each chunk the server sends is converted to the internal format (mono PCM16, resampled
to 16 kHz by a stateful resampler) and yielded as 20 ms frames at once, so the caller hears the start of the
answer while the server is still synthesising. Failover to the next server (or the fallback engine) happens
only before the first audio: a reply cut in the middle raises, it is never started again from the top.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.tts import Synthesize, SynthesizeVoice

from ivr.audio.frame import AudioFrame
from ivr.audio.resample import Resampler
from ivr.errors import TtsError
from ivr.remote.client import WyomingPool
from ivr.remote.pool import ServerView
from ivr.tts.base import Framer, TextToSpeech, check_lang


def _mono16(chunk: AudioChunk) -> bytes:
    if chunk.width != 2:
        raise TtsError(f"Wyoming TTS sent {chunk.width * 8}-bit audio; only 16-bit is supported", code="tts_format")
    if chunk.channels == 1:
        return chunk.audio
    samples = np.frombuffer(chunk.audio, dtype="<i2").reshape(-1, chunk.channels)
    return samples[:, 0].astype("<i2").tobytes()


class WyomingTts:
    """A :class:`TextToSpeech` over a pool of Wyoming servers, with an in-process fallback engine."""

    def __init__(self, pool: WyomingPool, voices: dict[str, str], fallback: TextToSpeech | None) -> None:
        self.pool = pool
        self._voices = voices
        self._fallback = fallback

    def voice_id(self, lang: str) -> str:
        """``wyoming/<voice>`` (the server's default voice is named after the language)."""
        return f"wyoming/{self._voices.get(check_lang(lang)) or 'default-' + lang}"

    async def synthesize(self, text: str, lang: str) -> bytes:
        """The whole utterance."""
        return b"".join([f.pcm async for f in self.stream(text, lang)])

    async def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        """20 ms frames as the server produces them."""
        check_lang(lang)
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        voice = SynthesizeVoice(name=self._voices.get(lang) or None, language=lang)

        async def run(client: AsyncClient) -> bool:
            await client.write_event(Synthesize(text=text, voice=voice).event())
            resampler: Resampler | None = None
            started = False
            try:
                while (event := await client.read_event()) is not None:
                    if AudioStart.is_type(event.type):
                        resampler = Resampler(AudioStart.from_event(event).rate)
                    elif AudioChunk.is_type(event.type):
                        chunk = AudioChunk.from_event(event)
                        if resampler is None:
                            resampler = Resampler(chunk.rate)
                        queue.put_nowait(resampler.process(_mono16(chunk)))
                        started = True
                    elif AudioStop.is_type(event.type):
                        if resampler is not None:
                            queue.put_nowait(resampler.flush())
                        return True
                raise EOFError("the server closed the connection mid-reply")
            except (OSError, TimeoutError, EOFError) as exc:
                if started:  # half an answer was already heard: do not start it again elsewhere
                    raise TtsError(f"Wyoming TTS reply cut: {exc}", code="tts_remote") from exc
                raise

        async def produce() -> bool:
            try:
                return await self.pool.request(run) is not None
            finally:
                queue.put_nowait(None)

        task = asyncio.get_running_loop().create_task(produce())
        framer = Framer()
        try:
            while (pcm := await queue.get()) is not None:
                for frame in framer.push(pcm):
                    yield frame
            if await task:
                for frame in framer.flush():
                    yield frame
                return
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, TtsError):
                    await task
        if self._fallback is None:
            raise TtsError("no Wyoming TTS server answered and there is no fallback engine", code="tts_remote")
        async for frame in self._fallback.stream(text, lang):
            yield frame

    def servers(self) -> list[ServerView]:
        """Every server's health and load."""
        return self.pool.view()
