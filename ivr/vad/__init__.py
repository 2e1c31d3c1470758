"""2. Voice activity: detector protocol, pure segmenter (turn-taking), engines (WebRTC gate, Silero)."""

from ivr.vad.events import (
    NoInput,
    SpeechDetector,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    VadEvent,
)
from ivr.vad.segmenter import Segmenter

__all__ = [
    "NoInput",
    "Segmenter",
    "SpeechDetector",
    "SpeechEnded",
    "SpeechPaused",
    "SpeechResumed",
    "SpeechStarted",
    "VadEvent",
]
