"""The whisper engine: one shared worker per language behind the streaming interface."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from ivr.asr.backlog import RecognitionLoad, combined
from ivr.asr.models import whisper_model_dir
from ivr.asr.stream import BufferedSttStream
from ivr.asr.types import Transcript, alternatives_of
from ivr.asr.worker import DecodeOptions, WhisperWorker
from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH
from ivr.config import Settings
from ivr.errors import AsrError

MAX_SECONDS = 120.0
"""Longer audio is cut (utterances are capped well below this by the VAD)."""
LANGS = ("fr", "en")


class WhisperStt:
    """faster-whisper: base multilingual for French, tiny.en (or base) for English; int8 on CPU."""

    def __init__(self, settings: Settings, *, batching: bool = True) -> None:
        asr = settings.asr
        self._names = {"fr": asr.whisper_model_fr, "en": asr.whisper_model_en}
        self._cache = settings.paths.cache_dir
        self._options = DecodeOptions(beam_size=asr.beam_size, cpu_threads=asr.cpu_threads, batching=batching,
                                      adaptive_window=asr.adaptive_window,
                                      repetition_penalty=asr.repetition_penalty,
                                      no_repeat_ngram_size=asr.no_repeat_ngram_size,
                                      min_window_s=asr.min_window_s, no_speech_threshold=asr.no_speech_threshold,
                                      n_best=asr.n_best, compute_type=asr.compute_type,
                                      pad_silence=asr.pad_silence)
        self._workers: dict[str, WhisperWorker] = {}

    def worker(self, lang: str) -> WhisperWorker:
        """Return the shared worker for ``lang`` (created on first use; the model loads lazily)."""
        if lang not in LANGS:
            raise AsrError(f"unsupported language {lang!r} (fr or en)", retryable=False)
        if lang not in self._workers:
            self._workers[lang] = WhisperWorker(whisper_model_dir(self._names[lang], self._cache), lang,
                                                self._options)
        return self._workers[lang]

    def load_now(self) -> RecognitionLoad:
        """The recognition backlog across languages (both workers share the CPU)."""
        return combined([w.load_now() for w in self._workers.values()], self._options.initial_cost_s)

    def warm_up(self, langs: tuple[str, ...] = LANGS) -> None:
        """Assemble and load the models now (blocking; call once at start-up)."""
        for lang in langs:
            self.worker(lang).load()

    def stream(self, lang: str, prompt: str | None = None) -> BufferedSttStream:
        """Open a stream that recognises the utterance at ``end_input``."""
        self.worker(lang)
        return BufferedSttStream(self._recognize, lang, prompt)

    async def transcribe(self, pcm: bytes, lang: str, prompt: str | None = None) -> Transcript:
        """Recognise one utterance of PCM16 16 kHz audio."""
        start = time.perf_counter()
        text = await self._recognize(pcm, lang, prompt)
        seconds = len(pcm) / (INTERNAL_RATE * SAMPLE_WIDTH)
        return Transcript(text, lang, True, seconds, time.perf_counter() - start, alternatives_of(text))

    async def _recognize(self, pcm: bytes, lang: str, prompt: str | None) -> str:
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        if len(audio) < INTERNAL_RATE // 10:
            return ""
        audio = audio[: int(MAX_SECONDS * INTERNAL_RATE)]
        return await asyncio.wrap_future(self.worker(lang).submit(audio, prompt))

    async def aclose(self) -> None:
        """Stop the worker threads."""
        workers, self._workers = list(self._workers.values()), {}
        for w in workers:
            await asyncio.to_thread(w.close)
