"""Live assist: both sides of an agent's call transcribed live, with knowledge-base suggestions.

The caller's channel is snooped twice (``in``: the citizen's voice; ``out``: what the citizen hears, i.e. the
agent); each snoop is bridged to an AudioSocket leg and runs through the same VAD and ASR as the bot. Speech
heard before an agent is bridged (hold music, queue announcements) is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ivr.call.events import AgentTranscript, CallEvents, Suggestion
from ivr.call.services import BotServices
from ivr.enums import Speaker
from ivr.errors import AriError, IvrError
from ivr.nlu.types import Decision
from ivr.telephony.audiosocket import AudioSocketServer
from ivr.telephony.medialeg import attach_media
from ivr.vad.events import SpeechEnded
from ivr.vad.offload import scored
from ivr.vad.segmenter import Segmenter

log = logging.getLogger(__name__)

SIDES = (("in", Speaker.CALLER), ("out", Speaker.AGENT))


class LiveAssist:
    """Runs for one transferred call until its channel is gone."""

    def __init__(self, services: BotServices, ari: Any, media: AudioSocketServer, kb: Any) -> None:
        self.services = services
        self.ari = ari
        self.media = media
        self.kb = kb
        self._suggested: set[str] = set()

    async def run(self, channel_id: str, events: CallEvents, lang: str) -> None:
        """Transcribe both sides until hang-up; never raises."""
        tasks = [asyncio.create_task(self._side(channel_id, spy, speaker, events, lang)) for spy, speaker in SIDES]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _side(self, channel_id: str, spy: str, speaker: Speaker, events: CallEvents, lang: str) -> None:
        try:
            snoop_id = await self.ari.snoop(channel_id, spy=spy)
            leg = await attach_media(self.ari, self.media, snoop_id, self.services.media_host)
        except (AriError, IvrError) as exc:
            log.info("live assist unavailable for %s side: %s", speaker, exc.code)
            return
        detector = self.services.new_detector()
        segmenter = Segmenter(self.services.settings.vad)
        segmenter.disarm_no_input()
        try:
            async for frame, prob in scored(leg.connection.frames(), detector):
                for ev in segmenter.process(frame, prob):
                    if isinstance(ev, SpeechEnded):
                        await self._utterance(channel_id, ev.audio, speaker, events, lang)
        finally:
            await leg.detach(self.ari)
            with contextlib.suppress(AriError):
                await self.ari.hangup(snoop_id)

    def _busy(self) -> bool:
        """The recogniser's backlog is past the latency budget (see ``ivr.call.admission``)."""
        load = self.services.recognition_load() if self.services.recognition_load is not None else None
        budget = self.services.settings.overload.latency_budget_s
        return load is not None and budget > 0 and load.wait_s > budget

    async def _utterance(self, channel_id: str, audio: bytes, speaker: Speaker, events: CallEvents, lang: str) -> None:
        try:
            peer = await self.ari.get_variable(channel_id, "BRIDGEPEER")
        except AriError:
            return
        if not peer:
            return  # still waiting in the queue: hold music and announcements are not the agent
        if self._busy():
            return  # callers still talking to the bot come first: suggestions are shed under load
        try:
            result = await self.services.stt.transcribe(audio, lang, self.services.vocabulary(lang))
        except IvrError:
            return
        text = str(result.text).strip()
        if not text:
            return
        await events.emit(AgentTranscript(speaker, text))
        match = await asyncio.to_thread(self.services.match, text, lang)
        if match.decision is not Decision.ANSWER or match.intent is None or match.intent in self._suggested:
            return
        intent = self.kb.intents.get(match.intent)
        if intent is None or intent.kind != "answer":
            return
        self._suggested.add(match.intent)
        answer = intent.answers.get(lang) or intent.answers.get("fr")
        link = intent.follow_up.link
        await events.emit(Suggestion(match.intent, answer.chat if answer else "", link, match.score))
