"""Everything a call needs, built once per process and passed in (clients and clocks injected)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ivr.asr.backlog import RecognitionLoad
from ivr.audio.frame import AudioFrame
from ivr.call.events import EventHub
from ivr.clock import Clock
from ivr.config import Settings
from ivr.nlu.types import MatchResult
from ivr.telephony.ari.protocol import Ari


class Speaker(Protocol):
    """Text to the internal audio format, cached (``CachedTts``)."""

    async def synthesize(self, text: str, lang: str) -> bytes: ...
    def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]: ...


class Recognizer(Protocol):
    """Utterance audio to text (``SpeechToText``)."""

    async def transcribe(self, pcm: bytes, lang: str, prompt: str | None = None) -> Any: ...


class SpeechProb(Protocol):
    """Per-frame speech probability (a ``SpeechDetector``)."""

    def probability(self, frame: AudioFrame) -> float: ...
    def reset(self) -> None: ...


class CallActions(Protocol):
    """Side effects that outlive the call: persistence, SMS, callbacks."""

    async def send_sms(self, call_id: str, number: str, text: str) -> None: ...
    async def schedule_callback(
        self, call_id: str, number: str, service: str, lang: str, summary: str, not_before: datetime
    ) -> None: ...


@dataclass
class BotServices:
    """The shared, process-wide parts."""

    settings: Settings
    clock: Clock
    ari: Ari
    hub: EventHub
    tts: Speaker
    stt: Recognizer
    match: Callable[[str, str], MatchResult]
    new_dialog: Callable[[str], Any]
    """lang -> a fresh ``ivr.dialog.policy.Dialog``."""
    new_detector: Callable[[], SpeechProb]
    vocabulary: Callable[[str], str | None] = lambda lang: None
    actions: CallActions | None = None
    media_host: str = "127.0.0.1:9092"
    on_call_start: Callable[[str], Awaitable[None]] | None = None
    assist: Callable[[str, Any, str], Awaitable[None]] | None = None
    """Live assist for a transferred call: ``assist(channel_id, call_events, lang)`` runs until hang-up."""
    recall: Callable[[str | None, str], Awaitable[Any]] | None = None
    """``recall(caller_number, call_id)``: what is remembered of a caller who calls again (``CallerMemory``)."""
    cancel_callback: Callable[[int], Awaitable[None]] | None = None
    """Cancel a pending callback the returning caller no longer wants."""
    recognition_load: Callable[[], RecognitionLoad] | None = None
    """The recogniser's backlog now (admission); None for engines that do not report one."""
    extra: dict[str, Any] = field(default_factory=dict)
