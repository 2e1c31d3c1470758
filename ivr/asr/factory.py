"""Choosing the ASR engine is configuration: ``asr.engine``."""

from __future__ import annotations

from ivr.asr.types import SpeechToText
from ivr.config import Settings
from ivr.errors import ConfigError


def build_stt(settings: Settings) -> SpeechToText:
    """Build the engine named by ``settings.asr.engine`` (``whisper`` or ``vosk``); models load lazily."""
    engine = settings.asr.engine
    if engine == "whisper":
        from ivr.asr.whisper import WhisperStt

        return WhisperStt(settings)
    if engine == "vosk":
        from ivr.asr.vosk import VoskStt

        return VoskStt(settings)
    raise ConfigError(f"asr.engine: unknown engine {engine!r} (whisper or vosk)")
