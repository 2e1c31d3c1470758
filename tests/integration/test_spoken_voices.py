"""The spoken evaluation set's audio path on real parts: espeak-ng + MBROLA, the telephone channel, whisper.

Questions from the set rendered by voices that are not the bot's, put through a clean G.711 trunk, recognised
by the project's whisper and matched against the real knowledge base: the benchmark's plumbing must deliver
speech the recogniser can read (a broken channel or a wrong sample rate shows as garbage here).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from ivr.asr.evaluation import word_error_rate
from ivr.asr.whisper import WhisperStt
from ivr.config import PathsSettings, Settings, load_settings
from ivr.nlu.kb import load_knowledge
from ivr.nlu.matcher import build_matcher
from ivr.testing.spoken.channel import Condition
from ivr.testing.spoken.corpus import Question, Rendering
from ivr.testing.spoken.render import heard
from ivr.testing.spoken.voices import VOICES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("espeak-ng") is None or not Path("/usr/share/mbrola/fr1").exists(),
                       reason="MBROLA test voices not installed: bash scripts/install-test-voices.sh"),
]

CASES = [
    ("fr", "mb-fr1", "school_canteen", "Comment j'inscris mon fils à la cantine scolaire ?"),
    ("fr", "mb-fr4", "waste_collection", "Quel jour passent les éboueurs dans ma rue ?"),
    ("fr", "mb-fr6", "swimming_pool", "Je voudrais savoir les horaires de la piscine des Grèves."),
    ("en", "mb-us2", "library", "Is the library open on Sundays?"),
    ("en", "mb-us1", "towed_vehicle", "My car has been towed away, how do I get it back?"),
]


def test_rendered_questions_are_recognised_and_routed(tmp_path: Path) -> None:
    voices = {v.name: v for v in VOICES}
    items = [Rendering(Question(lang, expected, text), voices[voice], 150, 50,
                       Condition("ulaw" if lang == "fr" else "alaw", 0.0, "none", 0.0, seed=1))
             for lang, voice, expected, text in CASES]
    audio = [heard(r, tmp_path) for r in items]
    assert [heard(r, tmp_path) for r in items] == audio  # second time from the cache, same bytes
    assert len(list(tmp_path.rglob("*.wav"))) == 2 * len(items)  # clean voice + telephone, per rendering
    assert all(1.0 < len(a) / 32000 < 8.0 for a in audio)

    base = load_settings(environ={})
    stt = WhisperStt(Settings(paths=PathsSettings(home=base.paths.home, cache_dir=base.paths.cache_dir)))
    try:
        texts = [asyncio.run(stt.transcribe(a, r.question.lang)).text for r, a in zip(items, audio, strict=True)]
    finally:
        asyncio.run(stt.aclose())
    for lang in ("fr", "en"):
        pairs = [(r.question.text, t) for r, t in zip(items, texts, strict=True) if r.question.lang == lang]
        assert word_error_rate([p[0] for p in pairs], [p[1] for p in pairs], lang) < 0.35, pairs
    matcher = build_matcher(load_knowledge(ROOT / "knowledge"), ROOT / "knowledge" / "calibration.toml")
    top = [matcher.match(t, r.question.lang).candidates[0].intent for r, t in zip(items, texts, strict=True)]
    right = sum(t == r.question.expected for t, r in zip(top, items, strict=True))
    assert right >= 4, list(zip(top, texts, strict=True))
