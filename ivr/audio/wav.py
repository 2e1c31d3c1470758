"""WAV helpers: read any PCM wav into the internal format, write wav, cut audio into 20 ms frames."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.audio.resample import resample
from ivr.errors import AudioError

FRAME_MS = 20


def _to_int16(raw: bytes, width: int) -> np.ndarray:
    if width == 1:
        return ((np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    if width == 2:
        return np.frombuffer(raw, dtype="<i2")
    if width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        return (b[:, 2].astype(np.int8).astype(np.int16) << 8 | b[:, 1]).astype(np.int16)
    if width == 4:
        return (np.frombuffer(raw, dtype="<i4") >> 16).astype(np.int16)
    raise AudioError(f"unsupported sample width: {width} bytes")


def read_wav(path: str | Path, rate: int = INTERNAL_RATE) -> bytes:
    """Read a PCM wav file (any rate, width, channel count) as PCM16 little-endian mono at ``rate``."""
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, in_rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{path}: not a PCM wav file ({exc})") from exc
    except OSError as exc:
        raise AudioError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    samples = _to_int16(raw, width)
    if channels > 1:
        usable = len(samples) - len(samples) % channels
        samples = samples[:usable].reshape(-1, channels).astype(np.int32).mean(axis=1).astype(np.int16)
    return resample(samples.astype("<i2").tobytes(), in_rate, rate)


def write_wav(path: str | Path, pcm: bytes, rate: int = INTERNAL_RATE) -> None:
    """Write PCM16 little-endian mono to a wav file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(rate)
        w.writeframes(pcm)


def iter_frames(
    pcm: bytes, rate: int = INTERNAL_RATE, frame_ms: int = FRAME_MS, start: float = 0.0, pad: bool = True
) -> Iterator[AudioFrame]:
    """Cut PCM16 audio into frames of ``frame_ms`` with audio-time timestamps (last one zero-padded)."""
    size = rate * frame_ms // 1000 * SAMPLE_WIDTH
    for i, offset in enumerate(range(0, len(pcm), size)):
        chunk = pcm[offset : offset + size]
        if len(chunk) < size:
            if not pad:
                return
            chunk = chunk + b"\x00" * (size - len(chunk))
        yield AudioFrame(chunk, rate, start + i * frame_ms / 1000)


def wav_frames(path: str | Path, frame_ms: int = FRAME_MS) -> Iterator[AudioFrame]:
    """Read a wav file as 20 ms internal frames."""
    return iter_frames(read_wav(path), frame_ms=frame_ms)


def silence(seconds: float, rate: int = INTERNAL_RATE) -> bytes:
    """PCM16 digital silence."""
    return b"\x00" * (round(seconds * rate) * SAMPLE_WIDTH)
