"""The pure turn-taking segmenter, driven by scripted speech probabilities (no event loop, audio time)."""

from __future__ import annotations

from dataclasses import replace

from ivr.audio.frame import AudioFrame
from ivr.config import VadSettings
from ivr.vad import NoInput, Segmenter, SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted, VadEvent

SETTINGS = VadSettings(end_of_speech_ms=600, pause_ms=250, preroll_ms=300, min_speech_ms=200,
                       no_input_s=2.0, max_utterance_s=3.0, postroll_ms=200)


def run(seg: Segmenter, script: list[tuple[float, float]], start: float = 0.0) -> list[VadEvent]:
    """Feed (seconds, probability) pieces as 20 ms frames whose first sample encodes its index."""
    events: list[VadEvent] = []
    t = start
    for seconds, prob in script:
        for _ in range(round(seconds / 0.02)):
            idx = round(t / 0.02)
            pcm = idx.to_bytes(2, "little") + b"\x00" * 638
            events += seg.process(AudioFrame(pcm, timestamp=t), prob)
            t = round(t + 0.02, 6)
    return events


def frame_indices(audio: bytes) -> list[int]:
    return [int.from_bytes(audio[i : i + 2], "little") for i in range(0, len(audio), 640)]


def names(events: list[VadEvent]) -> list[tuple[str, float]]:
    return [(type(e).__name__, e.timestamp) for e in events]


def test_utterance_with_pause_and_resume() -> None:
    seg = Segmenter(SETTINGS)
    events = run(seg, [(1.0, 0.0), (0.5, 0.9), (0.3, 0.1), (0.4, 0.9), (1.0, 0.0)])
    assert names(events) == [
        ("SpeechStarted", 1.0),
        ("SpeechPaused", 1.76),
        ("SpeechResumed", 1.8),
        ("SpeechPaused", 2.46),
        ("SpeechEnded", 2.8),
    ]
    end = events[-1]
    assert isinstance(end, SpeechEnded) and end.speech_end == 2.2 and not end.truncated
    idx = frame_indices(end.audio)
    # 300 ms pre-roll (frames 35..49), speech up to frame 109, then 200 ms post-roll.
    assert idx[0] == 35 and idx == list(range(35, 120))
    paused = events[1]
    assert isinstance(paused, SpeechPaused) and frame_indices(paused.audio)[-1] == 84


def test_short_noise_is_ignored_and_kept_as_preroll() -> None:
    seg = Segmenter(SETTINGS)
    events = run(seg, [(0.5, 0.0), (0.1, 0.9), (0.5, 0.0), (0.3, 0.9), (0.7, 0.0)])
    assert names(events) == [("SpeechStarted", 1.1), ("SpeechPaused", 1.66), ("SpeechEnded", 2.0)]
    end = events[-1]
    assert isinstance(end, SpeechEnded)
    assert frame_indices(end.audio)[0] == 40  # pre-roll still 300 ms before the real start


def test_hysteresis_keeps_speech_through_dips() -> None:
    seg = Segmenter(SETTINGS)
    events = run(seg, [(0.4, 0.9), (0.6, 0.4), (0.4, 0.9), (0.8, 0.0)])
    assert names(events) == [("SpeechStarted", 0.0), ("SpeechPaused", 1.66), ("SpeechEnded", 2.0)]


def test_max_utterance_truncates() -> None:
    seg = Segmenter(SETTINGS)
    events = run(seg, [(4.0, 0.9), (1.0, 0.0)])
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert ended[0].truncated and ended[0].timestamp == 3.0
    assert names(events)[:2] == [("SpeechStarted", 0.0), ("SpeechEnded", 3.0)]
    assert names(events)[2] == ("SpeechStarted", 3.0)  # the rest is a new utterance
    assert isinstance(events[-1], SpeechEnded) and not events[-1].truncated


def test_no_input_arm_disarm() -> None:
    seg = Segmenter(SETTINGS)
    assert names(run(seg, [(2.5, 0.0)])) == [("NoInput", 2.0)]
    assert run(seg, [(3.0, 0.0)], start=2.5) == []  # fires once until re-armed
    seg.arm_no_input()
    assert names(run(seg, [(2.0, 0.0)], start=5.5)) == [("NoInput", 7.5)]
    seg.arm_no_input()
    seg.disarm_no_input()
    assert run(seg, [(3.0, 0.0)], start=7.5) == []
    seg.reset()
    events = run(seg, [(1.0, 0.0), (0.5, 0.9), (3.0, 0.0)], start=10.5)
    assert not any(isinstance(e, NoInput) for e in events)  # speech disarms it
    assert isinstance(events[0], SpeechStarted)


def test_no_input_counts_from_arm_time() -> None:
    seg = Segmenter(replace(SETTINGS, no_input_s=1.0))
    seg.disarm_no_input()
    assert run(seg, [(5.0, 0.0)]) == []
    seg.arm_no_input()
    assert names(run(seg, [(1.2, 0.0)], start=5.0)) == [("NoInput", 6.0)]


def test_resumed_only_after_pause() -> None:
    seg = Segmenter(SETTINGS)
    events = run(seg, [(0.5, 0.9), (0.1, 0.0), (0.5, 0.9), (0.7, 0.0)])
    assert not any(isinstance(e, SpeechResumed | SpeechPaused) for e in events[:-2])
    assert names(events)[0] == ("SpeechStarted", 0.0)
