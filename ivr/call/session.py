"""One call: media in, VAD, ASR, matcher, dialog, actions, speech out — the only place that knows every stage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from ivr.audio.frame import BYTES_PER_SECOND, AudioFrame
from ivr.call import events as ce
from ivr.call.deadline import Late, within
from ivr.call.events import CallEvents
from ivr.call.inbox import Inbox
from ivr.call.refusal import is_withheld, refusal_of
from ivr.call.services import BotServices
from ivr.call.state import CallState, CallStateMachine
from ivr.dialog import actions as act
from ivr.dialog import events as dev
from ivr.dialog.records import RECORD_TYPES, OutcomeDecided
from ivr.enums import Outcome, Speaker
from ivr.errors import AriError, AriNotFound, IvrError
from ivr.logctx import call_id_var
from ivr.nlu.nbest import best_reading
from ivr.playback.player import Player
from ivr.telephony.audiosocket import AudioSocketError
from ivr.telephony.connection import MediaConnection
from ivr.vad.events import NoInput, SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted
from ivr.vad.offload import scored
from ivr.vad.segmenter import Segmenter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Hangup:
    pass


@dataclass(frozen=True, slots=True)
class _Utterance:
    text: str
    audio_s: float
    asr_s: float
    ended_at: float
    wait_s: float = 0.0
    """Wall time from the end-of-speech decision to the text: ≈0 when the speculative result was ready."""
    alternatives: tuple[str, ...] = ()
    """The recogniser's other readings, best first (``asr.n_best``)."""


_BACKGROUND: set[asyncio.Task[None]] = set()
"""Work that outlives the session (live assist of a transferred call)."""

Input = _Hangup | _Utterance | dev.NoInput | dev.RecognitionLate | dev.Dtmf | dev.QueueExited


class CallSession:
    """Runs one caller's conversation with the bot until hang-up or hand-off."""

    def __init__(
        self,
        services: BotServices,
        channel_id: str,
        caller_number: str,
        *,
        connect_media: Callable[[], Awaitable[tuple[MediaConnection, Callable[[], Awaitable[None]]]]],
        call_id: str | None = None,
        dialog: Any = None,
        resume: dev.QueueExited | None = None,
    ) -> None:
        self.services = services
        self.channel_id = channel_id
        self.caller_number = caller_number
        self.call_id = call_id or str(uuid.uuid4())
        self.events = CallEvents(self.call_id, services.hub, services.clock.now)
        self.sm = CallStateMachine()
        self.lang = "fr"
        self.dialog = dialog
        self.outcome: Outcome | None = None
        self._resume = resume
        self._connect_media = connect_media
        self._inbox: Inbox[Input] = Inbox()
        self._media_error: AudioSocketError | None = None
        self._player: Player | None = None
        self._segmenter = Segmenter(services.settings.vad)
        self._detector = services.new_detector()
        self._speculative: asyncio.Task[_Utterance] | None = None
        self._speech_started_at: float | None = None
        self._listening = False
        self._hung_up = False
        self._tasks: set[asyncio.Task[None]] = set()

    # --- inputs from the router ---------------------------------------------------------------------

    def on_dtmf(self, digit: str) -> None:
        """A keypad digit: stops an interruptible prompt at once, then goes to the dialog."""
        if self._player is not None:
            self._player.interrupt()
        self._inbox.put(dev.Dtmf(digit))

    def on_hangup(self) -> None:
        """The caller hung up (or the channel left Stasis)."""
        self._hung_up = True
        if self._player is not None:
            self._player.stop()
        self._inbox.put(_Hangup(), essential=True)

    # --- main ---------------------------------------------------------------------------------------

    async def run(self) -> Outcome:
        """The call from answer to hang-up or hand-off; returns the outcome."""
        call_id_var.set(self.call_id)
        release: Callable[[], Awaitable[None]] | None = None
        reader: asyncio.Task[None] | None = None
        try:
            if self._resume is None:
                await self.services.ari.answer(self.channel_id)
                await self.events.emit(ce.Started(channel=self.channel_id, number=self.caller_number))
            self.sm.fire("answer")
            media, release = await self._connect_media()
            self.sm.fire("media_connected")
            self._player = Player(media, self.services.clock)
            self._player.start()
            reader = asyncio.create_task(self._read_media(media))
            await self._converse()
        except asyncio.CancelledError:
            # the bot is shutting down: a caller still on the line goes to human reception
            if not self._hung_up and self.sm.state is not CallState.HANDED_OFF:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._fallback_to_human(), 3)
            self.outcome = self.outcome or Outcome.ABANDONED
            raise
        except AriError as exc:
            # usually the caller hung up while we were talking to Asterisk; if not, a human takes over
            if self._hung_up or isinstance(exc, AriNotFound):
                log.info("call ended during an ARI operation (%s)", exc.code)
                self.outcome = self.outcome or Outcome.ABANDONED
            else:
                log.warning("ARI operation failed mid-call: %s", exc.message)
                self.outcome = Outcome.FAILED
                await self.events.emit(ce.CallError(exc.code))
                await self._fallback_to_human()
        except Exception as exc:
            log.exception("call failed")
            self.outcome = Outcome.FAILED
            await self.events.emit(ce.CallError(getattr(exc, "code", type(exc).__name__)))
            await self._fallback_to_human()
        finally:
            if self._player is not None:
                await self._player.aclose()
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
            if release is not None:
                with contextlib.suppress(Exception):
                    await release()
            if self.sm.state is not CallState.HANDED_OFF:
                self.outcome = self.outcome or Outcome.ABANDONED
                self.sm.fire("end")
                await self.events.emit(ce.Hangup(self.outcome))
        return self.outcome or Outcome.ABANDONED

    async def _fallback_to_human(self) -> None:
        """A crash in the bot sends the caller to human reception, never to silence."""
        with contextlib.suppress(IvrError):
            await self.services.ari.continue_in_dialplan(self.channel_id, "ivr-fallback", "s")
            self.sm.fire("handoff")
            await self.events.emit(ce.Handoff(self.services.settings.asterisk.fallback_queue, ce.HandoffReason.ERROR))

    async def _converse(self) -> None:
        if self.dialog is None:
            self.dialog = self.services.new_dialog(self.lang)
        self.sm.fire("dialog_started")
        if self._resume is not None:
            actions = self.dialog.handle(self._resume)
        else:
            memory = await self._recall()
            actions = (self.dialog.start(self.services.clock.now(), memory) if memory is not None
                       else self.dialog.start(self.services.clock.now()))
        while True:
            listen = await self._execute(actions)
            if self.sm.state in (CallState.HANDED_OFF, CallState.ENDED) or self.outcome is not None:
                return
            if listen is None:
                listen = act.Listen(timeout_s=self.services.settings.vad.no_input_s)
            inp = await self._next_input(listen)
            if isinstance(inp, _Hangup):
                if self._media_error is not None and not self._hung_up:
                    raise self._media_error  # the caller is still there: a person takes over
                self.outcome = self.outcome or self._outcome_at_hangup()
                return
            actions = await self._to_dialog(inp)

    def _outcome_at_hangup(self) -> Outcome:
        """The caller hung up: the dialog knows whether they had their answer (resolved) or not (abandoned)."""
        with contextlib.suppress(IvrError):
            for a in self.dialog.handle(dev.CallerHungUp()):
                if isinstance(a, OutcomeDecided):
                    return a.outcome
        return Outcome.ABANDONED

    async def _recall(self) -> Any:
        """What the store remembers of this caller (None without a store, a number, or on a store error)."""
        if self.services.recall is None or not self.caller_number:
            return None
        try:
            return await asyncio.wait_for(self.services.recall(self.caller_number, self.call_id), 1.0)
        except Exception:  # never delay or break a greeting for a memory
            log.warning("caller memory unavailable", exc_info=True)
            return None

    async def _to_dialog(self, inp: Input) -> list[act.Action]:
        if isinstance(inp, _Utterance):
            # the encoder takes milliseconds per query: off the loop that paces every call's audio
            reading, match = await asyncio.to_thread(
                best_reading, self.services.match, inp.text, inp.alternatives, self.lang
            )
            await self.events.emit(ce.Transcript(Speaker.CALLER, inp.text, round(inp.asr_s, 3), round(inp.wait_s, 3)))
            await self.events.emit(ce.IntentMatched(match.intent, match.decision, round(match.score, 3), reading))
            result: list[act.Action] = self.dialog.handle(dev.Heard(reading, match))
            return result
        handled: list[act.Action] = self.dialog.handle(inp)
        return handled

    async def _next_input(self, listen: act.Listen) -> Input:
        self._listening = True
        self._segmenter.arm_no_input()
        try:
            while True:
                inp = await self._inbox.get()
                if isinstance(inp, dev.Dtmf) and not listen.dtmf:
                    continue
                return inp
        finally:
            self._listening = False
            self._segmenter.disarm_no_input()

    # --- actions ------------------------------------------------------------------------------------

    async def _execute(self, actions: list[act.Action]) -> act.Listen | None:
        listen: act.Listen | None = None
        follow: list[act.Action] = []
        interrupted = False
        for a in actions:
            if isinstance(a, act.Say):
                if interrupted and a.interruptible:
                    continue  # barge-in drops whatever was queued
                done = await self._say(a)
                interrupted = interrupted or not done
            elif isinstance(a, act.Listen):
                listen = a
            elif isinstance(a, RECORD_TYPES):
                await self.events.emit(a)
            elif isinstance(a, act.CancelCallback):
                if self.services.cancel_callback is not None:
                    with contextlib.suppress(IvrError):  # already dialled or cancelled meanwhile
                        await self.services.cancel_callback(a.callback_id)
            elif isinstance(a, act.SetLanguage):
                self.lang = a.lang
            elif isinstance(a, act.Transfer):
                await self._transfer(a)
                return None
            elif isinstance(a, act.EmergencyTransfer):
                await self.events.emit(ce.Handoff("emergency", ce.HandoffReason.EMERGENCY))
                await self.services.ari.continue_in_dialplan(self.channel_id, "ivr-emergency", a.number)
                self.sm.fire("handoff")
                self.outcome = Outcome.EMERGENCY
                return None
            elif isinstance(a, act.ScheduleCallback):
                follow += await self._schedule_callback(a)
            elif isinstance(a, act.SendSms):
                follow += await self._send_sms(a)
            elif isinstance(a, act.Hangup):
                self.outcome = a.outcome
                await self.services.ari.hangup(self.channel_id)
                return None
        if follow:  # the dialog's reply to "callback booked" / "SMS queued": say it, then listen or hang up
            return await self._execute(follow)
        return listen

    async def _say(self, say: act.Say) -> bool:
        assert self._player is not None
        if self._hung_up:
            return False  # the caller is gone: nothing to play, the hang-up waits in the inbox
        self._segmenter.disarm_no_input()
        await self.events.emit(ce.Said(say.key, say.lang, say.interruptible, say.text))
        # a cached prompt streams from its file; a miss streams from the synthesiser as it renders, so the
        # first words go out before the whole answer exists (the cache stores it once complete)
        frames = self.services.tts.stream(say.text, say.lang)
        result = await self._player.play_stream(frames, key=say.key, interruptible=say.interruptible)
        if not result.completed:
            await self.events.emit(ce.PromptStopped(say.key, round(result.played_s, 2)))
        return result.completed

    async def _transfer(self, t: act.Transfer) -> None:
        summary = t.summary
        ari = self.services.ari
        await ari.set_variable(self.channel_id, "IVR_CALL_ID", self.call_id)
        await ari.set_variable(self.channel_id, "IVR_SUMMARY", summary.to_header(200))
        await ari.set_variable(self.channel_id, "CALLERID(name)", summary.to_callerid_name())
        queue_timeout = str(self.services.settings.asterisk.queue_timeout_s)
        await ari.set_variable(self.channel_id, "IVR_QUEUE_TIMEOUT", queue_timeout)
        await self.events.emit(ce.Handoff(t.service, ce.HandoffReason.QUEUE, summary.to_text(200), summary.intent))
        await ari.continue_in_dialplan(self.channel_id, "ivr-queue", t.service)
        self.sm.fire("handoff")
        self.outcome = Outcome.TRANSFERRED
        if self.services.assist is not None:
            assist = self.services.assist(self.channel_id, self.events, self.lang)
            task: asyncio.Task[None] = asyncio.ensure_future(assist)
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)

    async def _schedule_callback(self, cb: act.ScheduleCallback) -> list[act.Action]:
        try:
            if is_withheld(self.caller_number):
                refused: list[act.Action] = self.dialog.handle(dev.CallbackRefused("withheld"))
                return refused
            if self.services.actions is not None:
                await self.services.actions.schedule_callback(
                    self.call_id, self.caller_number, cb.service, self.lang, cb.summary.to_text(200), cb.not_before
                )
        except IvrError as exc:  # premium or foreign number, caps, store down: said to the caller, not a crash
            log.info("callback refused: %s", exc.code)
            reason = refusal_of(exc)
            if reason == "failed":
                await self.events.emit(ce.CallError(exc.code, "callback"))
            declined: list[act.Action] = self.dialog.handle(dev.CallbackRefused(reason))
            return declined
        await self.events.emit(ce.CallbackScheduled(cb.service, cb.not_before))
        booked: list[act.Action] = self.dialog.handle(dev.CallbackScheduled(cb.not_before))
        return booked

    async def _send_sms(self, sms: act.SendSms) -> list[act.Action]:
        try:
            if self.services.actions is None:
                raise IvrError("no SMS gateway configured", code="sms")
            text = sms.text + (f" {sms.link}" if sms.link else "")
            await self.services.actions.send_sms(self.call_id, self.caller_number, text)
        except IvrError as exc:
            await self.events.emit(ce.SmsFailed(exc.code))
            failed: list[act.Action] = self.dialog.handle(dev.SmsFailed())
            return failed
        await self.events.emit(ce.SmsQueued(sms.link))
        queued: list[act.Action] = self.dialog.handle(dev.SmsQueued())
        return queued

    # --- media in -----------------------------------------------------------------------------------

    async def _read_media(self, media: MediaConnection) -> None:
        try:
            async for frame, prob in scored(media.frames(), self._detector):
                for ev in self._segmenter.process(frame, prob):
                    await self._on_vad(ev, frame)
        except AudioSocketError as exc:
            log.error("media path broken: %s", exc.message)
            self._media_error = exc
            self._inbox.put(_Hangup(), essential=True)
            return
        self.on_hangup()

    async def _on_vad(self, ev: object, frame: AudioFrame) -> None:
        if isinstance(ev, SpeechStarted):
            self._speech_started_at = ev.timestamp
            if self._player is not None and self._player.interrupt():
                latency = frame.timestamp + frame.duration - ev.timestamp
                await self.events.emit(ce.BargeIn(self._player.current_key, round(latency, 3)))
            await self.events.emit(ce.SpeechStart(round(ev.timestamp, 2)))
        elif isinstance(ev, SpeechPaused):
            # start recognising before the end-of-speech decision is final
            self._speculative = asyncio.create_task(self._recognise(ev.audio, ev.timestamp))
        elif isinstance(ev, SpeechResumed):
            if self._speculative is not None:
                self._speculative.cancel()
                self._speculative = None
        elif isinstance(ev, SpeechEnded):
            await self.events.emit(ce.SpeechEnd(round(ev.timestamp, 2)))
            task = self._speculative
            self._speculative = None
            pending = asyncio.create_task(self._deliver(ev, task))
            self._tasks.add(pending)
            pending.add_done_callback(self._tasks.discard)
        elif isinstance(ev, NoInput) and self._listening and not self._tasks:
            # silence while an utterance is still being recognised is not "no input"
            self._inbox.put(dev.NoInput())

    async def _deliver(self, ev: SpeechEnded, speculative: asyncio.Task[_Utterance] | None) -> None:
        ended = self.services.clock.monotonic()
        try:
            utt = await within(self._final(ev, speculative), self.services.clock, self.services.settings.asr.deadline_s)
        except IvrError as exc:
            # a failed recognition is handled like a late one: the caller hears a re-prompt, not silence
            await self.events.emit(ce.CallError(exc.code, "asr"))
            if self._listening:
                self._inbox.put(dev.RecognitionLate(), essential=True)
            return
        if isinstance(utt, Late):
            await self.events.emit(ce.RecognitionLate(utt.after_s))
            if self._listening:
                self._inbox.put(dev.RecognitionLate(), essential=True)
            return
        if utt.text.strip():
            self._inbox.put(replace(utt, wait_s=self.services.clock.monotonic() - ended), essential=True)
        elif self._listening:
            self._segmenter.arm_no_input()  # nothing understood: the silence clock starts again

    async def _final(self, ev: SpeechEnded, speculative: asyncio.Task[_Utterance] | None) -> _Utterance:
        """The speculative result started at the pause (the same audio), or a fresh recognition."""
        if speculative is not None:
            try:
                return await speculative
            except asyncio.CancelledError:
                me = asyncio.current_task()
                if me is not None and me.cancelling():
                    raise
        return await self._recognise(ev.audio, ev.timestamp)

    async def _recognise(self, audio: bytes, ended_at: float) -> _Utterance:
        t0 = self.services.clock.monotonic()
        result = await self.services.stt.transcribe(audio, self.lang, self.services.vocabulary(self.lang))
        asr_s = self.services.clock.monotonic() - t0
        return _Utterance(str(result.text).strip(), len(audio) / BYTES_PER_SECOND, asr_s, ended_at,
                          alternatives=tuple(getattr(result, "alternatives", ())))
