"""A stateful PCM16 resampler (stateless per-chunk resampling crackles at chunk edges)."""

from __future__ import annotations

import numpy as np
import soxr

from ivr.audio.frame import INTERNAL_RATE
from ivr.errors import AudioError


class Resampler:
    """Resample a stream of PCM16 little-endian mono chunks, keeping filter state between chunks.

    One instance per direction per call. ``process`` may return fewer samples than expected at first
    (filter delay); ``flush`` returns what is still buffered at the end of the stream.
    """

    def __init__(self, in_rate: int, out_rate: int = INTERNAL_RATE, quality: str = "HQ") -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise AudioError(f"invalid sample rates {in_rate} -> {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._passthrough = in_rate == out_rate
        self._stream = (
            None if self._passthrough
            else soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16", quality=quality)
        )
        self._odd = b""

    def process(self, pcm: bytes) -> bytes:
        """Resample one chunk; a trailing odd byte is kept for the next chunk."""
        data = self._odd + pcm
        cut = len(data) - (len(data) % 2)
        self._odd = data[cut:]
        if self._stream is None:
            return data[:cut]
        samples = np.frombuffer(data[:cut], dtype="<i2")
        out = self._stream.resample_chunk(samples, last=False)
        return np.asarray(out, dtype="<i2").tobytes()

    def flush(self) -> bytes:
        """End of stream: return the samples still held by the filter."""
        if self._stream is None:
            return b""
        out = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        return np.asarray(out, dtype="<i2").tobytes()


def resample(pcm: bytes, in_rate: int, out_rate: int = INTERNAL_RATE) -> bytes:
    """One-shot resampling of a whole PCM16 buffer (for files, never for live chunks)."""
    if in_rate == out_rate:
        return pcm
    r = Resampler(in_rate, out_rate)
    return r.process(pcm) + r.flush()
