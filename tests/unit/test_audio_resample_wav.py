"""Stateful resampler continuity and wav helpers, on real Debian telephone prompts."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from ivr.audio.frame import AudioFrame
from ivr.audio.resample import Resampler, resample
from ivr.audio.wav import iter_frames, read_wav, silence, write_wav
from ivr.errors import AudioError

PROMPT = Path("/usr/share/asterisk/sounds/fr/agent-pass.wav")
needs_prompts = pytest.mark.skipif(not PROMPT.exists(), reason="asterisk-core-sounds-fr-wav not installed")


def _tone(rate: int, seconds: float, freq: float = 440.0) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * 10000).astype("<i2").tobytes()


@pytest.mark.parametrize(("rate_in", "rate_out"), [(8000, 16000), (16000, 8000), (48000, 16000)])
def test_chunked_resampling_equals_one_shot(rate_in: int, rate_out: int) -> None:
    pcm = _tone(rate_in, 1.0)
    one_shot = np.frombuffer(resample(pcm, rate_in, rate_out), dtype="<i2").astype(np.int32)
    r = Resampler(rate_in, rate_out)
    # 20 ms chunks plus an odd byte split across chunks to exercise carry-over.
    step = rate_in // 50 * 2
    pieces = [pcm[i : i + step] for i in range(0, len(pcm), step)]
    pieces[3], pieces[4] = pieces[3] + pieces[4][:1], pieces[4][1:]
    chunked = b"".join(r.process(p) for p in pieces) + r.flush()
    out = np.frombuffer(chunked, dtype="<i2").astype(np.int32)
    assert abs(len(out) - len(one_shot)) <= 1
    n = min(len(out), len(one_shot))
    assert np.max(np.abs(out[:n] - one_shot[:n])) <= 2
    assert abs(len(out) - rate_out) <= 2


def test_stateless_per_chunk_resampling_would_differ() -> None:
    """The reason the resampler is stateful: resetting per chunk breaks the waveform at every edge."""
    pcm = _tone(8000, 0.5)
    one_shot = np.frombuffer(resample(pcm, 8000, 16000), dtype="<i2").astype(np.int32)
    naive = b"".join(resample(pcm[i : i + 320], 8000, 16000) for i in range(0, len(pcm), 320))
    naive_a = np.frombuffer(naive, dtype="<i2").astype(np.int32)
    n = min(len(naive_a), len(one_shot))
    assert np.max(np.abs(naive_a[:n] - one_shot[:n])) > 500


def test_same_rate_passthrough_and_bad_rate() -> None:
    r = Resampler(16000, 16000)
    assert r.process(b"\x01\x02\x03") == b"\x01\x02"
    assert r.process(b"\x04") == b"\x03\x04"
    with pytest.raises(AudioError):
        Resampler(0, 16000)


@needs_prompts
def test_read_wav_converts_8k_prompt_to_16k() -> None:
    with wave.open(str(PROMPT)) as w:
        n8 = w.getnframes()
    pcm = read_wav(PROMPT)
    assert abs(len(pcm) // 2 - 2 * n8) <= 2
    assert AudioFrame(pcm).rms() > 500


def test_write_then_read_round_trip_and_formats(tmp_path: Path) -> None:
    pcm = _tone(16000, 0.3)
    write_wav(tmp_path / "a.wav", pcm)
    assert read_wav(tmp_path / "a.wav") == pcm
    # 24-bit stereo 8 kHz -> mono 16 kHz
    mono = np.frombuffer(_tone(8000, 0.3), dtype="<i2").astype(np.int32) << 8
    stereo = np.repeat(mono, 2)
    raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in stereo)
    with wave.open(str(tmp_path / "b.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(3)
        w.setframerate(8000)
        w.writeframes(raw)
    got = np.frombuffer(read_wav(tmp_path / "b.wav"), dtype="<i2").astype(np.int32)
    ref = np.frombuffer(resample(_tone(8000, 0.3), 8000), dtype="<i2").astype(np.int32)
    assert len(got) == len(ref) and np.max(np.abs(got - ref)) <= 2
    (tmp_path / "c.wav").write_bytes(b"not a wav")
    with pytest.raises(AudioError):
        read_wav(tmp_path / "c.wav")


def test_iter_frames_timestamps_and_padding() -> None:
    frames = list(iter_frames(silence(0.05) + b"\x01\x00"))
    assert [f.timestamp for f in frames] == [0.0, 0.02, 0.04]
    assert all(len(f.pcm) == 640 for f in frames)
    assert frames[-1].pcm[320:322] == b"\x01\x00"
    assert len(list(iter_frames(silence(0.05), pad=False))) == 2
