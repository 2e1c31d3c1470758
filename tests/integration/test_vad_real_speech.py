"""Detectors + segmenter on real recorded French telephone prompts (Debian asterisk-core-sounds-fr-wav)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ivr.audio.frame import AudioFrame
from ivr.audio.wav import iter_frames, read_wav, silence
from ivr.config import VadSettings
from ivr.vad import NoInput, Segmenter, SpeechEnded, SpeechStarted, VadEvent
from ivr.vad.detectors import GatedSilero, build_detector
from ivr.vad.silero import SileroVad
from ivr.vad.webrtc import WebRtcGate

SOUNDS = Path("/usr/share/asterisk/sounds/fr")
pytestmark = pytest.mark.skipif(not (SOUNDS / "agent-pass.wav").exists(),
                                reason="asterisk-core-sounds-fr-wav not installed")
BYTES_PER_S = 32000


def speech_bounds(pcm: bytes, offset: float) -> tuple[float, float]:
    """Where the prompt's speech really is (its silences are near-digital zero), in scene time."""
    rms = [f.rms() for f in iter_frames(pcm)]
    loud = [i for i, r in enumerate(rms) if r > 300]
    return offset + loud[0] * 0.02, offset + (loud[-1] + 1) * 0.02


@pytest.fixture(scope="module")
def scene() -> tuple[bytes, list[tuple[float, float]]]:
    """1 s silence, "Composez votre mot de passe suivi du dièse.", 1.5 s silence, "Merci.", 8 s silence."""
    a, b = read_wav(SOUNDS / "agent-pass.wav"), read_wav(SOUNDS / "auth-thankyou.wav")
    pcm = silence(1.0) + a + silence(1.5) + b + silence(8.0)
    b_at = 1.0 + len(a) / BYTES_PER_S + 1.5
    return pcm, [speech_bounds(a, 1.0), speech_bounds(b, b_at)]


def segment(pcm: bytes, settings: VadSettings, rearm_after_end: bool = True) -> list[VadEvent]:
    detector = build_detector(settings)
    seg = Segmenter(settings)
    events: list[VadEvent] = []
    for frame in iter_frames(pcm):
        new = seg.process(frame, detector.probability(frame))
        events += new
        if rearm_after_end and any(isinstance(e, SpeechEnded) for e in new):
            seg.arm_no_input()  # the bot would answer, then listen again
    return events


# WebRTC alone keeps its own hangover after speech (it is only meant as a gate): looser end tolerance.
@pytest.mark.parametrize(("detector", "end_tolerance"), [("combined", 0.15), ("silero", 0.15), ("webrtc", 0.2)])
def test_segments_line_up_with_real_speech(scene: tuple[bytes, list[tuple[float, float]]],
                                           detector: str, end_tolerance: float) -> None:
    pcm, truth = scene
    settings = VadSettings(detector=detector)
    events = segment(pcm, settings)
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    ends = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(starts) == len(ends) == 2
    for start, end, (t0, t1) in zip(starts, ends, truth, strict=True):
        assert abs(start.timestamp - t0) <= 0.15
        assert abs(end.speech_end - t1) <= end_tolerance
        assert end.timestamp == pytest.approx(end.speech_end + settings.end_of_speech_ms / 1000, abs=0.03)
        # The utterance audio is exactly the scene's audio from pre-roll before the start.
        first = round((start.timestamp - settings.preroll_ms / 1000) * BYTES_PER_S)
        assert end.audio == pcm[first : first + len(end.audio)]
        post = settings.postroll_ms / 1000
        assert len(end.audio) / BYTES_PER_S == pytest.approx(
            end.speech_end + post - start.timestamp + settings.preroll_ms / 1000, abs=0.03)
    no_input = [e for e in events if isinstance(e, NoInput)]
    assert [round(e.timestamp - ends[-1].timestamp, 2) for e in no_input] == [settings.no_input_s]


def test_event_sequence_snapshot(scene: tuple[bytes, list[tuple[float, float]]]) -> None:
    pcm, _ = scene
    events = segment(pcm, VadSettings())
    summary = [(type(e).__name__, e.timestamp, round(len(getattr(e, "audio", b"")) / BYTES_PER_S, 2))
               for e in events]
    assert summary == [
        ("SpeechStarted", 1.12, 0.0),
        ("SpeechPaused", 4.26, 3.38),
        ("SpeechEnded", 4.6, 3.38),
        ("SpeechStarted", 5.54, 0.0),
        ("SpeechPaused", 6.5, 1.2),
        ("SpeechEnded", 6.84, 1.2),
        ("NoInput", 13.84, 0.0),
    ]


def test_short_burst_of_speech_is_ignored_unless_min_speech_is_lower() -> None:
    a = read_wav(SOUNDS / "agent-pass.wav")
    blip = a[int(0.5 * BYTES_PER_S) : int(0.62 * BYTES_PER_S)]  # 120 ms of a real syllable
    pcm = silence(1.0) + blip + silence(1.0)
    assert not any(isinstance(e, SpeechStarted) for e in segment(pcm, VadSettings()))
    lenient = segment(pcm, VadSettings(min_speech_ms=100))
    assert any(isinstance(e, SpeechStarted) for e in lenient)


def test_white_noise_is_not_speech_for_silero() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(16000) * 3000).astype("<i2").tobytes()
    vad = SileroVad()
    probs = [vad.probability(f) for f in iter_frames(noise)]
    assert max(probs) < 0.3


def test_detectors_score_speech_high_and_silence_low() -> None:
    speech = read_wav(SOUNDS / "agent-pass.wav")[int(0.3 * BYTES_PER_S) : int(2.5 * BYTES_PER_S)]
    for det in (SileroVad(), WebRtcGate(2), GatedSilero(WebRtcGate(2), SileroVad())):
        quiet = [det.probability(f) for f in iter_frames(silence(1.0))]
        loud = [det.probability(f) for f in iter_frames(speech)]
        assert max(quiet) < 0.2
        assert float(np.mean(loud)) > 0.6
        det.reset()
        assert det.probability(AudioFrame(silence(0.02))) == 0.0


def test_silero_state_is_per_instance() -> None:
    speech = read_wav(SOUNDS / "agent-pass.wav")[: BYTES_PER_S]
    one, two = SileroVad(), SileroVad()
    p1 = [one.probability(f) for f in iter_frames(speech)]
    two.probability(AudioFrame(silence(0.02)))  # a different history in another call...
    _ = [two.probability(f) for f in iter_frames(speech)]
    three = SileroVad()
    p3 = [three.probability(f) for f in iter_frames(speech)]
    assert p1 == p3  # ...does not leak into a fresh one
