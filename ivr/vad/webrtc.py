"""WebRTC VAD as a cheap speech gate (≈3 µs per 20 ms frame)."""

from __future__ import annotations

import webrtcvad

from ivr.audio.frame import AudioFrame
from ivr.errors import AudioError

_VALID_MS = (10, 20, 30)


class WebRtcGate:
    """A :class:`~ivr.vad.events.SpeechDetector` answering 0.0 or 1.0 from ``webrtcvad``."""

    def __init__(self, aggressiveness: int = 2) -> None:
        if not 0 <= aggressiveness <= 3:
            raise AudioError(f"webrtc aggressiveness must be 0..3, got {aggressiveness}")
        self._aggressiveness = aggressiveness
        self._vad = webrtcvad.Vad(aggressiveness)
        self._buf = b""
        self._last = 0.0

    def probability(self, frame: AudioFrame) -> float:
        """1.0 if the latest complete 10/20/30 ms window is speech, else 0.0."""
        ms = round(frame.duration * 1000)
        if ms in _VALID_MS and not self._buf:
            self._last = 1.0 if self._vad.is_speech(frame.pcm, frame.rate) else 0.0
            return self._last
        self._buf += frame.pcm
        window = frame.rate // 100 * 2  # 10 ms of PCM16
        while len(self._buf) >= window:
            chunk, self._buf = self._buf[:window], self._buf[window:]
            self._last = 1.0 if self._vad.is_speech(chunk, frame.rate) else 0.0
        return self._last

    def reset(self) -> None:
        """Forget buffered audio and the VAD's internal hangover."""
        self._vad = webrtcvad.Vad(self._aggressiveness)
        self._buf = b""
        self._last = 0.0
