"""Speculative recognition delivers: the audio sent at the pause is the audio of the finished turn.

The session starts recognising on ``SpeechPaused`` and uses that result at ``SpeechEnded`` (issue 9, item 3).
That is only right if both carry the same bytes, i.e. the post-roll kept after the last word is already
complete when the pause is declared (``postroll_ms <= pause_ms``), with the default settings.
"""

from __future__ import annotations

from ivr.audio.frame import AudioFrame
from ivr.config import VadSettings
from ivr.vad import Segmenter, SpeechEnded, SpeechPaused


def test_pause_audio_is_the_final_audio_with_default_settings() -> None:
    settings = VadSettings()
    assert settings.postroll_ms <= settings.pause_ms < settings.end_of_speech_ms
    seg = Segmenter(settings)
    events = []
    script = [(0.4, 0.0), (1.2, 0.9), (1.5, 0.0)]  # silence, a 1.2 s utterance, then silence
    t = 0.0
    for seconds, prob in script:
        for _ in range(round(seconds / 0.02)):
            idx = round(t / 0.02)
            events += seg.process(AudioFrame(idx.to_bytes(2, "little") + b"\x00" * 638, timestamp=t), prob)
            t = round(t + 0.02, 6)
    paused = [e for e in events if isinstance(e, SpeechPaused)]
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(paused) == 1 and len(ended) == 1
    assert paused[0].audio == ended[0].audio  # the speculative result is the final one
    # and it was available (end_of_speech - pause) earlier: the head start recognition gets
    head_start = ended[0].timestamp - paused[0].timestamp
    assert abs(head_start - (settings.end_of_speech_ms - settings.pause_ms) / 1000) < 0.021
