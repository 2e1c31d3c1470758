"""The Vosk engine: true streaming with partial results, for operators who supply a Vosk model."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from ivr.asr.models import vosk_model_dir
from ivr.asr.types import Transcript
from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.config import Settings
from ivr.errors import AsrError, AudioError, ModelError

_END = object()


class VoskStream:
    """A Kaldi recogniser fed from a task; partials are yielded when their text changes."""

    def __init__(self, model: Any, lang: str) -> None:
        import vosk

        self._rec = vosk.KaldiRecognizer(model, INTERNAL_RATE)
        self._lang = lang
        self._pending: asyncio.Queue[bytes | object] = asyncio.Queue()
        self._out: asyncio.Queue[Transcript | BaseException | None] = asyncio.Queue()
        self._segments: list[str] = []
        self._last_partial = ""
        self._bytes = 0
        self._ended = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    def push_frame(self, frame: AudioFrame) -> None:
        """Add 16 kHz PCM16 audio."""
        if frame.rate != INTERNAL_RATE:
            raise AudioError(f"ASR expects {INTERNAL_RATE} Hz frames, got {frame.rate}")
        if not self._ended:
            self._pending.put_nowait(frame.pcm)

    def end_input(self) -> None:
        """Finish: the final transcript follows the last partial."""
        if not self._ended:
            self._ended = True
            self._pending.put_nowait(_END)

    async def _run(self) -> None:
        try:
            while True:
                item = await self._pending.get()
                chunks: list[bytes] = []
                done = item is _END
                if isinstance(item, bytes):
                    chunks.append(item)
                while not done and not self._pending.empty():
                    more = self._pending.get_nowait()
                    done = more is _END
                    if isinstance(more, bytes):
                        chunks.append(more)
                started = time.perf_counter()
                if chunks:
                    partial = await asyncio.to_thread(self._accept, b"".join(chunks), started)
                    if partial is not None:
                        await self._out.put(partial)
                if done:
                    final = await asyncio.to_thread(self._rec.FinalResult)
                    self._add_segment(final)
                    text = " ".join(self._segments)
                    await self._out.put(self._transcript(text, True, started))
                    await self._out.put(None)
                    return
        except Exception as exc:  # surfaced to the consumer
            await self._out.put(AsrError(f"vosk failed: {exc}"))

    def _accept(self, pcm: bytes, started: float) -> Transcript | None:
        """Feed (in a thread) the recogniser, return a partial transcript if the text changed."""
        self._bytes += len(pcm)
        if self._rec.AcceptWaveform(pcm):
            self._add_segment(self._rec.Result())
            partial = " ".join(self._segments)
        else:
            partial = " ".join([*self._segments, json.loads(self._rec.PartialResult()).get("partial", "")])
        partial = partial.strip()
        if not partial or partial == self._last_partial:
            return None
        self._last_partial = partial
        return self._transcript(partial, False, started)

    def _add_segment(self, result_json: str) -> None:
        text = str(json.loads(result_json).get("text", "")).strip()
        if text:
            self._segments.append(text)

    def _transcript(self, text: str, final: bool, started: float) -> Transcript:
        seconds = self._bytes / (INTERNAL_RATE * SAMPLE_WIDTH)
        return Transcript(text, self._lang, final, seconds, time.perf_counter() - started)

    async def aclose(self) -> None:
        """Abandon the stream."""
        self._ended = True
        self._task.cancel()
        await self._out.put(None)

    async def __aiter__(self) -> AsyncIterator[Transcript]:
        """Partial transcripts, then the final one."""
        while True:
            item = await self._out.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


class VoskStt:
    """One Vosk model per language (from ``asr.vosk_model_dir``), shared by every stream."""

    def __init__(self, settings: Settings) -> None:
        self._setting = settings.asr.vosk_model_dir
        if "{lang}" not in self._setting:
            vosk_model_dir(self._setting, "any")  # fail at start-up, not on the first call
        elif not self._setting.replace("{lang}", "").strip():
            vosk_model_dir("", "any")
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    def model(self, lang: str) -> Any:
        """Return the loaded model for ``lang`` (blocking on first use)."""
        with self._lock:
            if lang not in self._models:
                import vosk

                vosk.SetLogLevel(-1)
                path = vosk_model_dir(self._setting, lang)
                try:
                    self._models[lang] = vosk.Model(str(path))
                except Exception as exc:
                    raise ModelError(f"Vosk model in {path} cannot be loaded (corrupt?): {exc}") from exc
            return self._models[lang]

    def warm_up(self, langs: tuple[str, ...] = ("fr",)) -> None:
        """Load the models now."""
        for lang in langs:
            self.model(lang)

    def stream(self, lang: str, prompt: str | None = None) -> VoskStream:
        """Open a streaming recogniser (``prompt`` is ignored: Vosk graphs are fixed)."""
        return VoskStream(self.model(lang), lang)

    async def transcribe(self, pcm: bytes, lang: str, prompt: str | None = None) -> Transcript:
        """Recognise a whole utterance."""
        await asyncio.to_thread(self.model, lang)
        stream = self.stream(lang, prompt)
        step = INTERNAL_RATE // 50 * SAMPLE_WIDTH * 10
        for offset in range(0, len(pcm), step):
            stream.push_frame(AudioFrame(pcm[offset : offset + step]))
        stream.end_input()
        final: Transcript | None = None
        async for result in stream:
            if result.is_final:
                final = result
        if final is None:
            raise AsrError("vosk stream ended without a final transcript")
        return final

    async def aclose(self) -> None:
        """Free the models."""
        with self._lock:
            self._models.clear()
