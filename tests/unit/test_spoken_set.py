"""The spoken evaluation set: its questions, split, telephone conditions and scoring (no model, no process)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ivr.audio.codecs import alaw_to_pcm16, pcm16_to_alaw
from ivr.nlu.kb import load_knowledge
from ivr.nlu.types import Candidate, Decision, MatchResult
from ivr.testing.spoken.channel import Condition, draw_condition, telephone
from ivr.testing.spoken.corpus import OOS, Question, read_questions, renderings
from ivr.testing.spoken.scoring import Row, outcome, table

ROOT = Path(__file__).resolve().parents[2]
SETS = {lang: ROOT / "bench" / "data" / f"spoken_{lang}.tsv" for lang in ("fr", "en")}


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_the_set_is_big_enough_labelled_with_real_intents_and_not_the_kbs_own_sentences() -> None:
    kb = load_knowledge(ROOT / "knowledge")
    kb_sentences = {_words(u) for i in kb.intents.values() for us in i.utterances.values() for u in us}
    for lang, minimum in (("fr", 300), ("en", 100)):
        qs = read_questions(SETS[lang])
        assert len(qs) >= minimum
        assert {q.lang for q in qs} == {lang}
        assert {q.expected for q in qs} - set(kb.intents) == {OOS}
        assert {"emergency", OOS} <= {q.expected for q in qs}
        assert len({q.text for q in qs}) == len(qs), "duplicate question"
        assert not [q.text for q in qs if _words(q.text) in kb_sentences]


def test_the_split_is_fixed_by_the_text_and_near_sixty_forty() -> None:
    qs = read_questions(SETS["fr"])
    assert Question("fr", "passport", "Je pars au Canada cet été et je n'ai pas de passeport.").split == next(
        q.split for q in qs if q.text.startswith("Je pars au Canada"))
    tune = sum(q.split == "tune" for q in qs) / len(qs)
    assert 0.5 < tune < 0.7


def test_renderings_use_distinct_voices_of_the_language_balanced_and_reproducible() -> None:
    qs = read_questions(SETS["fr"])
    first, again = renderings(qs, 2), renderings(qs, 2)
    assert first == again
    by_q: dict[str, set[str]] = {}
    for r in first:
        assert r.voice.name.startswith("mb-fr")
        by_q.setdefault(r.question.text, set()).add(r.voice.name)
    assert all(len(v) == 2 for v in by_q.values())
    counts = [sum(r.voice.name == v for r in first) for v in {r.voice.name for r in first}]
    assert max(counts) - min(counts) <= 2


def test_alaw_decodes_like_the_g711_table_and_round_trips_within_a_segment_step() -> None:
    # G.711 A-law reference points: 0xD5 -> +8, 0x55 -> -8, 0xAA -> +32256, 0x2A -> -32256
    assert np.frombuffer(alaw_to_pcm16(bytes([0xD5, 0x55, 0xAA, 0x2A])), "<i2").tolist() == [8, -8, 32256, -32256]
    x = np.arange(-32768, 32768, 5, dtype=np.int32)
    y = np.frombuffer(alaw_to_pcm16(pcm16_to_alaw(x.astype("<i2").tobytes())), "<i2").astype(np.int32)
    assert np.all(np.abs(y - x) <= np.maximum(16, np.abs(x) // 16 + 16))


def _tone(seconds: float = 1.0) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return (3000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()


def test_telephone_is_deterministic_narrowband_and_applies_level_and_noise() -> None:
    clean = Condition("alaw", 0.0, "none", 0.0, seed=1)
    noisy = Condition("ulaw", -14.0, "street", 12.0, seed=7)
    a, b = telephone(_tone(), noisy), telephone(_tone(), noisy)
    assert a == b
    assert telephone(_tone(), Condition("ulaw", -14.0, "street", 12.0, seed=8)) != a
    rms = {k: float(np.sqrt(np.mean(np.frombuffer(telephone(_tone(), c), "<i2").astype(float) ** 2)))
           for k, c in (("clean", clean), ("quiet", Condition("alaw", -14.0, "none", 0.0, 1)))}
    assert 20 * np.log10(rms["clean"] / rms["quiet"]) == pytest.approx(14.0, abs=0.5)
    spectrum = np.abs(np.fft.rfft(np.frombuffer(telephone(_tone() + _tone(), clean), "<i2").astype(float)))
    freqs = np.fft.rfftfreq(len(spectrum) * 2 - 2, 1 / 16000)
    assert spectrum[freqs > 4100].max() < spectrum.max() / 100  # nothing above the 8 kHz trunk's band
    assert {draw_condition(s).noise for s in range(60)} == {"none", "street", "babble"}


def _result(decision: Decision, intent: str | None, *ranked: str) -> MatchResult:
    return MatchResult(decision, intent, 0.5, "fr", tuple(Candidate(i, 0.5) for i in ranked))


@pytest.mark.parametrize(("expected", "result", "want"), [
    ("passport", _result(Decision.ANSWER, "passport", "passport"), "right"),
    ("passport", _result(Decision.ANSWER, "id_card", "id_card", "passport"), "wrong"),
    ("passport", _result(Decision.CLARIFY, None, "id_card", "passport"), "confirmed"),
    ("passport", _result(Decision.CLARIFY, None, "id_card", "wedding", "passport"), "abstained"),
    ("passport", _result(Decision.ABSTAIN, None, "passport"), "abstained"),
    ("passport", _result(Decision.CONFIRM, "passport", "passport", "id_card"), "confirmed"),
    ("passport", _result(Decision.CONFIRM, "id_card", "id_card", "passport"), "abstained"),
    ("emergency", _result(Decision.EMERGENCY, "emergency"), "right"),
    ("emergency", _result(Decision.ANSWER, "health_centre", "health_centre"), "wrong"),
    (OOS, _result(Decision.ABSTAIN, None, "library"), "right"),
    (OOS, _result(Decision.ANSWER, "library", "library"), "wrong"),
    (OOS, _result(Decision.EMERGENCY, "emergency"), "wrong"),
])
def test_outcome_is_what_the_caller_gets(expected: str, result: MatchResult, want: str) -> None:
    assert outcome(expected, result) == want


def test_table_rates_in_scope_and_out_of_scope_apart_per_voice() -> None:
    def row(voice: str, expected: str, out: str, top1: bool = True) -> Row:
        return Row("fr", voice, "ulaw+0dB", expected, "q", "h", "answer", None, out, top1, 0.1)

    rows = [row("a", "passport", "right"), row("a", "id_card", "confirmed"), row("b", "wedding", "wrong", False),
            row("b", "pacs", "abstained", False), row("b", OOS, "right"), row("a", OOS, "wrong")]
    t = table(rows)
    assert t["all"]["in_scope"] == 4 and t["all"]["oos"] == 2
    assert (t["all"]["right"], t["all"]["confirmed"], t["all"]["routed"], t["all"]["top1"]) == (0.25, 0.25, 0.5, 0.5)
    assert t["all"]["oos_abstain"] == 0.5 and t["all"]["wrong_all"] == pytest.approx(2 / 6, abs=1e-4)
    assert t["a"]["routed"] == 1.0 and t["b"]["wrong"] == 0.5
    assert table([r for r in rows if r.expected != OOS])["all"]["oos_abstain"] is None  # no rate, not 0 %
