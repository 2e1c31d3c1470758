"""Choosing the ASR engine is configuration: ``asr.engine``."""

from __future__ import annotations

from ivr.asr.types import SpeechToText
from ivr.config import Settings
from ivr.errors import ConfigError


def build_stt(settings: Settings) -> SpeechToText:
    """Build the engine named by ``settings.asr.engine`` (``whisper``, ``vosk`` or ``wyoming``); models load lazily."""
    engine = settings.asr.engine
    if engine == "whisper":
        from ivr.asr.whisper import WhisperStt

        return WhisperStt(settings)
    if engine == "vosk":
        from ivr.asr.vosk import VoskStt

        return VoskStt(settings)
    if engine == "wyoming":
        from ivr.asr.whisper import WhisperStt
        from ivr.asr.wyoming import WyomingStt
        from ivr.remote.client import WyomingPool

        pool = WyomingPool("asr", settings.asr.wyoming_uris, timeout_s=settings.asr.wyoming_timeout_s)
        return WyomingStt(pool, (lambda: WhisperStt(settings)) if settings.asr.wyoming_fallback else None)
    raise ConfigError(f"asr.engine: unknown engine {engine!r} (whisper, vosk or wyoming)")
