"""Whisper's beam hypotheses reach the transcript (``asr.n_best``), on real telephone prompts."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from ivr.asr.evaluation import prompt_wav
from ivr.asr.whisper import WhisperStt
from ivr.audio.wav import read_wav
from ivr.config import PathsSettings, Settings, load_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz").exists(),
                       reason="Debian asterisk-core-sounds-fr/-en (+ -wav) not installed"),
]


async def test_three_hypotheses_ride_on_the_best_one() -> None:
    base = load_settings(environ={})
    settings = Settings(paths=PathsSettings(home=base.paths.home, cache_dir=base.paths.cache_dir))
    settings = dataclasses.replace(settings, asr=dataclasses.replace(settings.asr, n_best=3, beam_size=5))
    stt = WhisperStt(settings)
    try:
        pcm = read_wav(prompt_wav("fr", "vm-password"))
        result = await stt.transcribe(pcm, "fr")
        assert result.text.strip()
        assert 1 <= len(result.alternatives) <= 2
        assert all(a.strip() and a != result.text for a in result.alternatives)
        streamed = stt.stream("fr")
        streamed.end_input()  # nothing pushed: an empty utterance has no alternatives
        async for t in streamed:
            assert t.alternatives == ()
    finally:
        await asyncio.wait_for(stt.aclose(), 30)
