"""VAD messages: the detector protocol and the segmenter's typed events (timestamps are audio time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ivr.audio.frame import AudioFrame


class SpeechDetector(Protocol):
    """Gives the probability that a frame holds speech; buffers internally to the model's window."""

    def probability(self, frame: AudioFrame) -> float:
        """Speech probability (0..1) for the latest audio, after consuming ``frame``."""
        ...

    def reset(self) -> None:
        """Forget all state (new call or new turn)."""
        ...


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The caller started speaking at ``timestamp`` (first speech frame)."""

    timestamp: float


@dataclass(frozen=True, slots=True)
class SpeechPaused:
    """A short silence: the utterance may be over. ``audio`` is the utterance so far (for early ASR)."""

    timestamp: float
    audio: bytes


@dataclass(frozen=True, slots=True)
class SpeechResumed:
    """Speech came back after a ``SpeechPaused``: the early result must be discarded."""

    timestamp: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """End of utterance, decided at ``timestamp``; ``audio`` is PCM16 16 kHz with its pre-roll."""

    timestamp: float
    audio: bytes
    speech_end: float = 0.0
    """Audio time of the end of the last speech frame."""
    truncated: bool = False
    """True when cut at the maximum utterance length."""


@dataclass(frozen=True, slots=True)
class NoInput:
    """Nothing was said for ``no_input_s`` since the timer was armed."""

    timestamp: float


VadEvent = SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded | NoInput
