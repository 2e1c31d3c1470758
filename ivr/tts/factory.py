"""Choosing an engine per language is configuration: ``TtsSettings.engine_fr`` / ``engine_en``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from ivr.audio.frame import AudioFrame
from ivr.config import Settings, TtsSettings
from ivr.errors import ConfigError
from ivr.tts.base import TextToSpeech, check_lang

ENGINES = ("pico", "piper", "wyoming")


class LanguageRouter:
    """One :class:`TextToSpeech` that hands each language to its own engine."""

    def __init__(self, engines: Mapping[str, TextToSpeech]) -> None:
        self._engines = dict(engines)
        self.langs = tuple(self._engines)

    def engine_for(self, lang: str) -> TextToSpeech:
        """Return the engine that speaks ``lang``."""
        return self._engines[check_lang(lang, self.langs)]

    async def synthesize(self, text: str, lang: str) -> bytes:
        """Delegate to the language's engine."""
        return await self.engine_for(lang).synthesize(text, lang)

    def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        """Delegate to the language's engine."""
        return self.engine_for(lang).stream(text, lang)

    def voice_id(self, lang: str) -> str:
        """Delegate to the language's engine."""
        return self.engine_for(lang).voice_id(lang)


def _make(name: str, lang: str, made: dict[str, TextToSpeech], tts: TtsSettings) -> TextToSpeech:
    if name in made:
        return made[name]
    engine: TextToSpeech
    if name == "pico":
        from ivr.tts.pico import PicoTts

        engine = PicoTts(rate=tts.pico_rate)
    elif name == "piper":
        if lang != "en":
            raise ConfigError(f"tts engine_{lang} = 'piper': Piper has no {lang!r} voice here; use 'pico'")
        from ivr.tts.piper import PiperTts

        engine = PiperTts()
    elif name == "wyoming":
        from ivr.remote.client import WyomingPool
        from ivr.tts.pico import PicoTts
        from ivr.tts.wyoming import WyomingTts

        pool = WyomingPool("tts", tts.wyoming_uris, timeout_s=tts.wyoming_timeout_s)
        engine = WyomingTts(pool, {"fr": tts.wyoming_voice_fr, "en": tts.wyoming_voice_en}, PicoTts(rate=tts.pico_rate))
    else:
        raise ConfigError(f"tts engine_{lang} = {name!r}: expected one of {', '.join(ENGINES)}")
    made[name] = engine
    return engine


def build_tts(settings: Settings) -> TextToSpeech:
    """Build the configured synthesiser for French and English (each engine built once, shared)."""
    made: dict[str, TextToSpeech] = {}
    return LanguageRouter(
        {
            "fr": _make(settings.tts.engine_fr, "fr", made, settings.tts),
            "en": _make(settings.tts.engine_en, "en", made, settings.tts),
        }
    )
