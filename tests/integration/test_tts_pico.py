"""The Pico engine with its real French and English voices, through the protocol and the router."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from ivr.audio.frame import INTERNAL_RATE, AudioFrame
from ivr.config import Settings, TtsSettings
from ivr.errors import ConfigError, TtsError
from ivr.tts import TextToSpeech, build_tts
from ivr.tts.base import FRAME_BYTES
from ivr.tts.pico import PicoTts

SENTENCES = {
    "fr": "Bonjour, vous êtes bien à la mairie. Les bureaux sont ouverts du lundi au vendredi.",
    "en": "Hello, you have reached the city hall. The offices are open from Monday to Friday.",
}


@pytest.fixture(scope="module")
def pico() -> PicoTts:
    return PicoTts()


def _active_ratio(pcm: bytes) -> float:
    a = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frames = a[: len(a) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt((frames**2).mean(axis=1))
    return float((rms > 300).mean())


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_synthesis_is_speech_of_plausible_length(pico: PicoTts, lang: str) -> None:
    text = SENTENCES[lang]
    pcm = await pico.synthesize(text, lang)
    assert len(pcm) % 2 == 0
    seconds = len(pcm) / 2 / INTERNAL_RATE
    words = len(text.split())
    assert 0.2 * words < seconds < 0.7 * words, seconds  # 16 kHz speech: ~2-4 words a second
    assert AudioFrame(pcm).rms() > 500
    assert 0.4 < _active_ratio(pcm) < 1.0  # speech with pauses, not silence nor a tone


async def test_languages_sound_different(pico: PicoTts) -> None:
    fr = await pico.synthesize("Mairie", "fr")
    en = await pico.synthesize("Mairie", "en")
    assert fr != en


async def test_stream_gives_20ms_frames_with_audio_time(pico: PicoTts) -> None:
    whole = await pico.synthesize(SENTENCES["fr"], "fr")
    frames = [f async for f in pico.stream(SENTENCES["fr"], "fr")]
    assert all(len(f.pcm) == FRAME_BYTES and f.rate == INTERNAL_RATE for f in frames)
    assert [f.timestamp for f in frames[:3]] == pytest.approx([0.0, 0.02, 0.04])
    joined = b"".join(f.pcm for f in frames)
    # Pico keeps a little state between utterances, so compare lengths, not bytes
    assert 0 <= len(joined) - len(whole) < FRAME_BYTES


async def test_stream_first_frame_before_synthesis_ends(pico: PicoTts) -> None:
    text = " ".join([SENTENCES["fr"]] * 6)  # ≈ 35 s of audio: Pico delivers it in 4 s chunks
    started = time.perf_counter()
    stream = pico.stream(text, "fr")
    first = await anext(stream)
    first_latency = time.perf_counter() - started
    count = 1 + sum([1 async for _ in stream])
    total = time.perf_counter() - started
    assert first.timestamp == 0.0 and count * 0.02 > 20
    assert first_latency < 0.5 * total, (first_latency, total)  # not "everything, then frames"


async def test_closing_stream_early_stops(pico: PicoTts) -> None:
    stream = pico.stream(" ".join([SENTENCES["en"]] * 6), "en")
    frames = [await anext(stream) for _ in range(5)]
    await stream.aclose()  # barge-in
    assert len(frames) == 5
    # the engine is free again at once (the lock was released by the stopped synthesis)
    pcm = await asyncio.wait_for(pico.synthesize("Yes.", "en"), timeout=5)
    assert pcm


async def test_nothing_to_say(pico: PicoTts) -> None:
    assert await pico.synthesize("https://ville.fr", "fr") == b""
    assert [f async for f in pico.stream("  ", "fr")] == []


async def test_unknown_language(pico: PicoTts) -> None:
    with pytest.raises(TtsError) as err:
        await pico.synthesize("Hallo", "de")
    assert err.value.code == "tts_lang"


def test_build_tts_routes_languages() -> None:
    tts = build_tts(Settings())
    assert isinstance(tts, TextToSpeech)
    assert tts.voice_id("fr") == "pico/fr-FR"
    assert tts.voice_id("en") == "pico/en-US"


def test_build_tts_rejects_unknown_engine() -> None:
    with pytest.raises(ConfigError):
        build_tts(Settings(tts=TtsSettings(engine_fr="espeak")))
    with pytest.raises(ConfigError):
        build_tts(Settings(tts=TtsSettings(engine_fr="piper")))
