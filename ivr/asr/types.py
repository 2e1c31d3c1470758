"""ASR messages and the one streaming interface every engine implements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ivr.audio.frame import AudioFrame


@dataclass(frozen=True, slots=True)
class Transcript:
    """Recognised text; partial results have ``is_final=False``."""

    text: str
    lang: str
    is_final: bool
    audio_seconds: float
    """Duration of the audio recognised so far."""
    processing_seconds: float
    """Wall time from the end of input (or the push that produced a partial) to this result."""
    alternatives: tuple[str, ...] = ()
    """The recogniser's other hypotheses for the same audio, best first (``asr.n_best`` > 1, whisper)."""


class Hypotheses(str):
    """A recognised text (the best hypothesis) carrying the beam's other hypotheses, best first.

    A ``str``, so it travels unchanged through the worker's futures and the engines' ``str`` results (and
    through the Wyoming engine, which has none); :func:`alternatives_of` reads them back.
    """

    alternatives: tuple[str, ...]

    def __new__(cls, text: str, alternatives: Sequence[str] = ()) -> Hypotheses:
        """``text`` with ``alternatives`` (empty ones and repeats of ``text`` dropped)."""
        obj = super().__new__(cls, text)
        obj.alternatives = tuple(dict.fromkeys(a for a in alternatives if a.strip() and a != text))
        return obj


def alternatives_of(text: str) -> tuple[str, ...]:
    """The other hypotheses riding on ``text`` (none for a plain ``str``)."""
    return text.alternatives if isinstance(text, Hypotheses) else ()


class SttStream(Protocol):
    """One utterance (or a whole call for streaming engines): frames in, transcripts out.

    ``push_frame`` and ``end_input`` never block; iterate with ``async for`` to get the transcripts; the
    iteration ends after the final one. ``aclose`` abandons the stream (barge-in, hang-up).
    """

    def push_frame(self, frame: AudioFrame) -> None:
        """Add 16 kHz PCM16 audio."""
        ...

    def end_input(self) -> None:
        """No more audio: produce the final transcript."""
        ...

    async def aclose(self) -> None:
        """Stop and release the stream; pending results are dropped."""
        ...

    def __aiter__(self) -> AsyncIterator[Transcript]:
        """Transcripts, partial then final."""
        ...


class SpeechToText(Protocol):
    """An ASR engine shared by every call."""

    def stream(self, lang: str, prompt: str | None = None) -> SttStream:
        """Open a stream; ``prompt`` biases recognition (city vocabulary)."""
        ...

    async def transcribe(self, pcm: bytes, lang: str, prompt: str | None = None) -> Transcript:
        """Recognise a whole utterance (PCM16 16 kHz) and return the final transcript."""
        ...

    def warm_up(self, langs: tuple[str, ...] = ("fr", "en")) -> None:
        """Load the models now (blocking) so the first caller doesn't wait."""
        ...

    async def aclose(self) -> None:
        """Stop workers and free the models."""
        ...
