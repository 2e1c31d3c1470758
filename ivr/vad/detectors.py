"""The combined detector (cheap WebRTC gate, Silero for the decision) and the factory."""

from __future__ import annotations

from collections import deque

from ivr.audio.frame import AudioFrame
from ivr.config import VadSettings
from ivr.errors import ConfigError
from ivr.vad.events import SpeechDetector
from ivr.vad.silero import SileroVad
from ivr.vad.webrtc import WebRtcGate


class GatedSilero:
    """Runs Silero only while the WebRTC gate heard speech in the last ``hangover_frames`` frames.

    Long silences (bot prompts, hold) then cost ≈3 µs per frame instead of a model call. When the gate
    opens, the last ``replay_frames`` skipped frames are fed to Silero first so its decision isn't late.
    """

    def __init__(
        self, gate: WebRtcGate, silero: SileroVad, hangover_frames: int = 15, replay_frames: int = 8
    ) -> None:
        self._gate = gate
        self._silero = silero
        self._hangover = hangover_frames
        self._since_gate = hangover_frames
        self._skipped: deque[AudioFrame] = deque(maxlen=replay_frames)

    def probability(self, frame: AudioFrame) -> float:
        """Silero's probability, or 0.0 while the gate has been closed for a while."""
        if self._gate.probability(frame) >= 0.5:
            if self._since_gate >= self._hangover:
                for old in self._skipped:
                    self._silero.probability(old)
                self._skipped.clear()
            self._since_gate = 0
        else:
            self._since_gate += 1
        if self._since_gate >= self._hangover:
            self._silero.skip(frame)
            self._skipped.append(frame)
            return 0.0
        return self._silero.probability(frame)

    def reset(self) -> None:
        """Forget all state."""
        self._gate.reset()
        self._silero.reset()
        self._since_gate = self._hangover
        self._skipped.clear()


def build_detector(settings: VadSettings) -> SpeechDetector:
    """Build a fresh detector for one call, as configured by ``VadSettings.detector``."""
    kind = settings.detector
    if kind == "combined":
        return GatedSilero(WebRtcGate(settings.webrtc_aggressiveness), SileroVad())
    if kind == "silero":
        return SileroVad()
    if kind == "webrtc":
        return WebRtcGate(settings.webrtc_aggressiveness)
    raise ConfigError(f"vad.detector: unknown detector {kind!r} (combined, silero or webrtc)")
