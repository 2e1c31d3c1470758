"""The pure turn-taking state machine: frames + speech probabilities in, typed events out.

No asyncio and no wall clock: every duration is counted in audio time from the frames themselves.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from ivr.audio.frame import BYTES_PER_SECOND, AudioFrame
from ivr.config import VadSettings
from ivr.vad.events import NoInput, SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted, VadEvent

HYSTERESIS = 0.15
"""Once speaking, a frame still counts as speech down to ``threshold - HYSTERESIS``."""


class _State(Enum):
    IDLE = "idle"
    CANDIDATE = "candidate"
    SPEAKING = "speaking"
    PAUSED = "paused"


class Segmenter:
    """Finds utterances in a stream of frames scored by a :class:`~ivr.vad.events.SpeechDetector`."""

    def __init__(self, settings: VadSettings) -> None:
        self.settings = settings
        self._state = _State.IDLE
        self._preroll: deque[bytes] = deque()
        self._preroll_s = 0.0
        self._utt: list[bytes] = []
        self._utt_s = 0.0
        self._last_speech_len = 0
        self._speech_s = 0.0
        self._silence_s = 0.0
        self._start_ts = 0.0
        self._speech_end = 0.0
        self._no_input_armed = True
        self._no_input_since: float | None = None

    @property
    def in_speech(self) -> bool:
        """True between ``SpeechStarted`` and ``SpeechEnded``."""
        return self._state in (_State.SPEAKING, _State.PAUSED)

    def reset(self) -> None:
        """Drop any utterance in progress and re-arm the no-input timer."""
        self._state = _State.IDLE
        self._preroll.clear()
        self._preroll_s = 0.0
        self._clear_utterance()
        self.arm_no_input()

    def arm_no_input(self) -> None:
        """Start the no-input timer at the next frame (call it when the bot stops speaking)."""
        self._no_input_armed = True
        self._no_input_since = None

    def disarm_no_input(self) -> None:
        """Stop the no-input timer (while the bot speaks)."""
        self._no_input_armed = False
        self._no_input_since = None

    def process(self, frame: AudioFrame, speech_prob: float) -> list[VadEvent]:
        """Consume one frame and its speech probability; return the events it triggers."""
        s = self.settings
        end = frame.timestamp + frame.duration
        events: list[VadEvent] = []
        threshold = s.speech_threshold - (HYSTERESIS if self.in_speech else 0.0)
        is_speech = speech_prob >= threshold

        if self._state is _State.IDLE:
            if is_speech:
                self._state = _State.CANDIDATE
                self._start_ts = frame.timestamp
                self._utt = list(self._preroll)
                self._utt_s = 0.0
                self._speech_s = 0.0
                self._silence_s = 0.0
            else:
                self._push_preroll(frame)
        if self._state is not _State.IDLE:
            self._utt.append(frame.pcm)
            self._utt_s += frame.duration
            if is_speech:
                self._speech_s += frame.duration
                self._silence_s = 0.0
                self._last_speech_len = len(self._utt)
                self._speech_end = end
            else:
                self._silence_s += frame.duration
            events.extend(self._advance(frame, end, is_speech))
        events.extend(self._check_no_input(frame, end))
        return events

    def _advance(self, frame: AudioFrame, end: float, is_speech: bool) -> list[VadEvent]:
        s = self.settings
        if self._state is _State.CANDIDATE:
            if self._speech_s * 1000 >= s.min_speech_ms - 1e-6:
                self._state = _State.SPEAKING
                self.disarm_no_input()
                return [SpeechStarted(round(self._start_ts, 3))]
            if self._silence_s * 1000 >= s.pause_ms - 1e-6:
                self._abandon_candidate()
            return []
        out: list[VadEvent] = []
        if self._state is _State.PAUSED and is_speech:
            self._state = _State.SPEAKING
            out.append(SpeechResumed(round(frame.timestamp, 3)))
        if self._silence_s * 1000 >= s.end_of_speech_ms - 1e-6:
            out.append(self._end(end, truncated=False))
        elif self._utt_s >= s.max_utterance_s - 1e-6:
            out.append(self._end(end, truncated=True))
        elif self._state is _State.SPEAKING and self._silence_s * 1000 >= s.pause_ms - 1e-6:
            self._state = _State.PAUSED
            out.append(SpeechPaused(round(end, 3), self._audio()))
        return out

    def _audio(self) -> bytes:
        post = sum(len(p) for p in self._utt[self._last_speech_len:])
        keep_bytes = int(self.settings.postroll_ms * 32)  # 16 kHz * 2 bytes / 1000 ms
        body = b"".join(self._utt[: self._last_speech_len])
        tail = b"".join(self._utt[self._last_speech_len:])[: min(post, keep_bytes)]
        return body + tail

    def _end(self, end: float, truncated: bool) -> SpeechEnded:
        event = SpeechEnded(round(end, 3), self._audio(), round(self._speech_end, 3), truncated)
        self._state = _State.IDLE
        self._preroll.clear()
        self._preroll_s = 0.0
        self._clear_utterance()
        return event

    def _abandon_candidate(self) -> None:
        frames = self._utt
        self._state = _State.IDLE
        self._clear_utterance()
        self._preroll.clear()
        self._preroll_s = 0.0
        for pcm in frames:
            self._push_preroll(AudioFrame(pcm))

    def _clear_utterance(self) -> None:
        self._utt = []
        self._utt_s = 0.0
        self._last_speech_len = 0
        self._speech_s = 0.0
        self._silence_s = 0.0

    def _push_preroll(self, frame: AudioFrame) -> None:
        self._preroll.append(frame.pcm)
        self._preroll_s += frame.duration
        limit = self.settings.preroll_ms / 1000
        while self._preroll and self._preroll_s - len(self._preroll[0]) / BYTES_PER_SECOND >= limit - 1e-9:
            self._preroll_s -= len(self._preroll.popleft()) / BYTES_PER_SECOND

    def _check_no_input(self, frame: AudioFrame, end: float) -> list[VadEvent]:
        if not self._no_input_armed or self.in_speech:
            return []
        if self._no_input_since is None:
            self._no_input_since = frame.timestamp
        if end - self._no_input_since >= self.settings.no_input_s - 1e-6:
            self.disarm_no_input()
            return [NoInput(round(end, 3))]
        return []
