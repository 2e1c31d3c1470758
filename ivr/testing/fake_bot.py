"""The bot's shared parts with scripted engines, for unit tests of :class:`ivr.call.session.CallSession`.

Real dialog, real VAD segmenter, real player and event hub; the engines are scripted: the recogniser returns
the next line of a script, the matcher answers from a table, the synthesiser returns silence of a fixed
length. With :mod:`ivr.testing.fake_ari` and :mod:`ivr.testing.fake_media` a whole call runs on virtual time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.asr.types import Transcript
from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame
from ivr.call.events import EventHub
from ivr.call.services import BotServices
from ivr.clock import VirtualClock
from ivr.config import Settings
from ivr.dialog.hours import OpeningHours
from ivr.dialog.policy import Dialog
from ivr.nlu.types import Decision, MatchResult
from ivr.testing.dialog_fakes import sample_knowledge
from ivr.testing.fake_ari import FakeAri
from ivr.testing.fake_media import EnergyDetector


@dataclass
class ScriptedStt:
    """Returns the scripted transcripts in order (then empty text), and remembers what it was asked."""

    script: list[str] = field(default_factory=list)
    heard_seconds: list[float] = field(default_factory=list)

    async def transcribe(self, pcm: bytes, lang: str, prompt: str | None = None) -> Transcript:
        """The next scripted line."""
        seconds = len(pcm) / SAMPLE_WIDTH / INTERNAL_RATE
        self.heard_seconds.append(seconds)
        text = self.script.pop(0) if self.script else ""
        return Transcript(text, lang, is_final=True, audio_seconds=seconds, processing_seconds=0.0)


@dataclass
class SilentTts:
    """Every prompt is ``seconds`` of silence (the player paces it like real speech)."""

    seconds: float = 0.5
    said: list[str] = field(default_factory=list)

    async def synthesize(self, text: str, lang: str) -> bytes:
        """Silence of the configured length."""
        self.said.append(text)
        return b"\x00" * int(self.seconds * INTERNAL_RATE) * SAMPLE_WIDTH

    async def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        """The same silence, in 20 ms frames."""
        pcm = await self.synthesize(text, lang)
        step = int(0.02 * INTERNAL_RATE) * SAMPLE_WIDTH
        for i in range(0, len(pcm), step):
            yield AudioFrame(pcm[i:i + step], timestamp=i / SAMPLE_WIDTH / INTERNAL_RATE)


def match_table(answers: Mapping[str, str]) -> Callable[[str, str], MatchResult]:
    """A matcher: ``answers`` maps a transcript to the intent it answers; anything else abstains."""

    def match(text: str, lang: str) -> MatchResult:
        intent = answers.get(text)
        if intent is None:
            return MatchResult(Decision.ABSTAIN, None, 0.1, lang)
        return MatchResult(Decision.ANSWER, intent, 0.9, lang)

    return match


@dataclass
class FakeBot:
    """The services plus handles on the fakes inside them."""

    services: BotServices
    clock: VirtualClock
    ari: FakeAri
    hub: EventHub
    stt: ScriptedStt
    tts: SilentTts


def fake_bot(
    *,
    transcripts: Iterable[str] = (),
    answers: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    clock: VirtualClock | None = None,
    **extra: Any,
) -> FakeBot:
    """Services on virtual time (a Monday 10:00 in Paris: every service open) with scripted engines."""
    settings = settings or Settings()
    clock = clock or VirtualClock()
    ari, hub = FakeAri(), EventHub()
    hub.keep_history = True
    stt, tts = ScriptedStt(list(transcripts)), SilentTts()
    kb = sample_knowledge()
    hours = OpeningHours.from_knowledge(kb, settings.dialog)

    def new_dialog(lang: str) -> Dialog:
        return Dialog(kb, hours, settings.dialog, lang=lang, clock=clock)

    services = BotServices(
        settings=settings, clock=clock, ari=ari, hub=hub, tts=tts, stt=stt,
        match=match_table(answers or {}), new_dialog=new_dialog, new_detector=EnergyDetector, **extra,
    )
    return FakeBot(services, clock, ari, hub, stt, tts)
