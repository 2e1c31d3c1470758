"""Pure parts of the ASR layer: encoder window sizing, the buffered stream (loops: tests/unit/test_asr_loops.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.asr.stream import BufferedSttStream
from ivr.asr.worker import DecodeOptions, WhisperWorker
from ivr.audio.frame import AudioFrame
from ivr.audio.wav import silence
from ivr.errors import AsrError, AudioError


def test_window_frames() -> None:
    adaptive = WhisperWorker(Path("/x"), "fr", DecodeOptions(adaptive_window=True))
    full = WhisperWorker(Path("/x"), "fr", DecodeOptions(adaptive_window=False))
    assert adaptive.window_frames(0.7) == 600  # 6 s minimum
    assert adaptive.window_frames(6.2) == 800  # 6.2 + 1 s margin -> 8 s
    assert adaptive.window_frames(40.0) == 3000
    assert full.window_frames(0.7) == 3000


async def test_buffered_stream_recognises_everything_once() -> None:
    calls: list[tuple[int, str, str | None]] = []

    async def recognize(pcm: bytes, lang: str, prompt: str | None) -> str:
        calls.append((len(pcm), lang, prompt))
        return "bonjour"

    stream = BufferedSttStream(recognize, "fr", "mairie")
    for i in range(50):
        stream.push_frame(AudioFrame(silence(0.02), timestamp=i * 0.02))
    stream.end_input()
    stream.push_frame(AudioFrame(silence(0.02)))  # ignored after end_input
    got = [t async for t in stream]
    assert calls == [(32000, "fr", "mairie")]
    assert len(got) == 1 and got[0].text == "bonjour" and got[0].is_final
    assert got[0].audio_seconds == pytest.approx(1.0)
    with pytest.raises(AudioError):
        stream.push_frame(AudioFrame(b"\x00" * 320, rate=8000))


async def test_buffered_stream_surfaces_errors() -> None:
    async def failing(pcm: bytes, lang: str, prompt: str | None) -> str:
        raise AsrError("boom")

    stream = BufferedSttStream(failing, "en")
    stream.end_input()
    with pytest.raises(AsrError, match="boom"):
        _ = [t async for t in stream]
