"""The audio frame every stage exchanges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

INTERNAL_RATE = 16_000
"""The one internal sample rate: PCM16 little-endian mono at 16 kHz."""

SAMPLE_WIDTH = 2

BYTES_PER_SECOND = INTERNAL_RATE * SAMPLE_WIDTH
"""32 000: the length of one second of internal audio, in bytes."""


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """A chunk of PCM16 little-endian mono audio; it knows its own duration from its byte count."""

    pcm: bytes
    rate: int = INTERNAL_RATE
    timestamp: float = 0.0
    """Audio time of the first sample, in seconds from the start of the stream."""

    @property
    def samples(self) -> int:
        """Number of samples."""
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.samples / self.rate

    def to_array(self) -> npt.NDArray[np.int16]:
        """The samples as int16."""
        return np.frombuffer(self.pcm, dtype="<i2")

    def rms(self) -> float:
        """Root-mean-square level on the int16 scale."""
        if not self.pcm:
            return 0.0
        a = self.to_array().astype(np.float64)
        return float(np.sqrt(np.mean(a * a)))
