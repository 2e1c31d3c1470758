"""SVOX Pico (``ttspico``, Apache-2.0): French fr-FR and English en-US, natively 16 kHz PCM16.

``ttspico`` looks for its language files in ``/usr/share/pico/lang/`` then ``<sys.prefix>/languages``
(where its wheel installs ``fr-FR_ta.bin``, ``fr-FR_nk0_sg.bin``, ``en-US_ta.bin``, ``en-US_lh0_sg.bin``);
``lang_dir`` is tried first when given. The C engine releases the GIL; calls into it are serialised by one
lock since the engine is not re-entrant.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ivr.audio.frame import INTERNAL_RATE
from ivr.errors import ModelError, TtsError
from ivr.tts.base import Emit, ThreadedTts, check_lang
from ivr.tts.normalize import normalize_for_speech

PICO_VOICES: dict[str, str] = {"fr": "fr-FR", "en": "en-US"}


class PicoTts(ThreadedTts):
    """The SVOX Pico engine for French and English."""

    name = "pico"
    languages = tuple(PICO_VOICES)

    def __init__(self, *, lang_dir: Path | None = None, rate: int = 100) -> None:
        self._lang_dir = lang_dir
        self._rate = rate
        self._engines: dict[str, Any] = {}
        self._lock = threading.Lock()

    def voice_id(self, lang: str) -> str:
        """``pico/fr-FR`` or ``pico/en-US``."""
        return f"{self.name}/{PICO_VOICES[check_lang(lang, self.languages)]}"

    def render(self, text: str, lang: str, emit: Emit) -> None:
        """Blocking: normalise ``text`` and hand each chunk of 16 kHz PCM to ``emit`` (call in a thread)."""
        spoken = normalize_for_speech(text, lang)
        if not spoken:
            return
        error: list[str] = []

        def on_audio(fmt: tuple[int, int, int], audio: bytes, fin: int) -> bool:
            if audio and tuple(fmt) != (INTERNAL_RATE, 16, 1):
                error.append(f"unexpected Pico audio format {fmt}")
                return False
            return emit(bytes(audio)) if audio else True

        with self._lock:
            engine = self._engine(lang)
            try:
                engine.speak(spoken, on_audio)
            except RuntimeError as exc:
                raise TtsError(f"Pico failed: {exc}") from exc
        if error:
            raise TtsError(error[0])

    def _engine(self, lang: str) -> Any:
        engine = self._engines.get(lang)
        if engine is None:
            import ttspico

            try:
                engine = ttspico.TtsEngine(
                    PICO_VOICES[lang], lang_dir=str(self._lang_dir) if self._lang_dir else None
                )
            except RuntimeError as exc:
                raise ModelError(
                    f"Pico language files for {PICO_VOICES[lang]} not found (reinstall ttspico): {exc}",
                    code="tts_model",
                ) from exc
            if self._rate != 100:
                engine.rate = self._rate
            self._engines[lang] = engine
        return engine
