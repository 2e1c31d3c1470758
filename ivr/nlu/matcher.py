"""The intent matcher: emergency first, then embeddings + lexical signals, then a calibrated decision."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ivr.nlu.calibration import Calibration, LangThresholds, load_calibration
from ivr.nlu.emergency import detect_emergency
from ivr.nlu.encoder import Encoder, default_encoder
from ivr.nlu.index import IntentIndex, Scores
from ivr.nlu.model import LANGS, IntentKind, KnowledgeBase
from ivr.nlu.oos import OUT_OF_SCOPE, load_oos
from ivr.nlu.scorer import IntentScorer, train_scorer
from ivr.nlu.spoken import spoken_form
from ivr.nlu.types import Candidate, Decision, MatchResult

TOP_CANDIDATES = 5
EMERGENCY_INTENT = "emergency"
"""Reported when the alarm rules fire and the knowledge base has no emergency intent."""


class Matcher(Protocol):
    """Turns a caller's words into a decision."""

    def match(self, text: str, lang: str, *, confirm_floor: float | None = None) -> MatchResult:
        """The verdict on ``text`` spoken in ``lang`` (``"fr"`` or ``"en"``).

        ``confirm_floor`` lowers the confirmation band for a channel that can ask back (the phone).
        """
        ...


def decide(
    ranked: Sequence[Candidate],
    th: LangThresholds,
    *,
    alarm: bool,
    emergency_ids: frozenset[str],
) -> tuple[Decision, str | None]:
    """Pure decision rule on candidates sorted best first.

    Three bands on the best score: answer from ``threshold``, confirm from ``confirm``, abstain below; two
    candidates closer than ``margin`` (in either of the first two bands) get an "A or B?" question.
    """
    emergency_id = next(iter(sorted(emergency_ids)), EMERGENCY_INTENT)
    if alarm:
        return Decision.EMERGENCY, emergency_id
    if not ranked:
        return Decision.ABSTAIN, None
    top = ranked[0]
    if top.intent in emergency_ids and top.score >= th.emergency:
        return Decision.EMERGENCY, top.intent
    runner_up_floor = max(th.emergency, th.threshold - 0.1)
    if len(ranked) > 1 and ranked[1].intent in emergency_ids and ranked[1].score >= runner_up_floor:
        return Decision.EMERGENCY, ranked[1].intent
    floor = min(th.threshold, th.confirm)
    if top.score < floor:
        return Decision.ABSTAIN, None
    if len(ranked) > 1 and top.score - ranked[1].score < th.margin:
        return Decision.CLARIFY, top.intent
    if top.score < th.threshold:
        return Decision.CONFIRM, top.intent
    return Decision.ANSWER, top.intent


def index_rows(kb: KnowledgeBase) -> tuple[list[str], list[int], list[str], list[str]]:
    """Intent ids (the out-of-scope pseudo-intent last), and per example: its intent position, text, language."""
    ids = [*sorted(kb.intents), OUT_OF_SCOPE]
    labels: list[int] = []
    texts: list[str] = []
    langs: list[str] = []
    for pos, iid in enumerate(ids[:-1]):
        for lang in LANGS:
            for text in kb.intents[iid].utterances.get(lang, ()):
                labels.append(pos)
                texts.append(text)
                langs.append(lang)
    for lang, text in load_oos():
        labels.append(len(ids) - 1)
        texts.append(text)
        langs.append(lang)
    return ids, labels, texts, langs


_INDEX_CACHE: dict[tuple[str, int], IntentIndex] = {}
_SCORER_CACHE: dict[tuple[str, int], IntentScorer | None] = {}
_CACHE_LOCK = threading.Lock()


def build_index(kb: KnowledgeBase, encoder: Encoder) -> IntentIndex:
    """The utterance index of ``kb``, encoded once per knowledge version and encoder."""
    key = (kb.version, id(encoder))
    with _CACHE_LOCK:
        cached = _INDEX_CACHE.get(key)
    if cached is not None:
        return cached
    ids, labels, texts, _ = index_rows(kb)
    index = IntentIndex(ids, labels, texts, encoder.encode(texts))
    with _CACHE_LOCK:
        if len(_INDEX_CACHE) > 4:
            _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = index
    return index


def build_scorer(kb: KnowledgeBase, encoder: Encoder) -> IntentScorer | None:
    """The classifier of ``kb``, trained once per knowledge version and encoder (``None``: a single class)."""
    key = (kb.version, id(encoder))
    with _CACHE_LOCK:
        if key in _SCORER_CACHE:
            return _SCORER_CACHE[key]
    index = build_index(kb, encoder)
    _, labels, texts, _ = index_rows(kb)
    scorer = train_scorer(labels, texts, index.vectors, len(index.intents)) if len(set(labels)) > 1 else None
    with _CACHE_LOCK:
        if len(_SCORER_CACHE) > 4:
            _SCORER_CACHE.clear()
        _SCORER_CACHE[key] = scorer
    return scorer


class HybridMatcher:
    """Sentence embeddings (USE multilingual) plus fuzzy lexical signals, with a rule-based alarm."""

    def __init__(self, kb: KnowledgeBase, calibration: Calibration, encoder: Encoder | None = None) -> None:
        self.kb = kb
        self.calibration = calibration
        self.encoder = encoder or default_encoder()
        self.index = build_index(kb, self.encoder)
        self.scorer = build_scorer(kb, self.encoder) if calibration.weights.classifier > 0 else None
        self.emergency_ids = frozenset(i.id for i in kb.intents.values() if i.kind is IntentKind.EMERGENCY)

    def scores(self, text: str, lang: str = "fr") -> Scores:
        """The raw per-intent signals (for calibration and debugging)."""
        vector = self.encoder.encode([text])
        scores = self.index.score(text, vector[0], self.calibration.weights, lang)
        if self.scorer is None:
            return scores
        return dataclasses.replace(scores, proba=self.scorer.proba([text], vector)[0])

    def match(self, text: str, lang: str, *, confirm_floor: float | None = None) -> MatchResult:
        """The verdict on ``text`` spoken in ``lang`` (a lower ``confirm_floor`` widens the confirm band)."""
        th = self.calibration.for_lang(lang)
        if confirm_floor is not None and confirm_floor < th.confirm:
            th = dataclasses.replace(th, confirm=confirm_floor)
        if not text.strip():
            return MatchResult(Decision.ABSTAIN, None, 0.0, lang, ())
        alarm = detect_emergency(text) is not None
        text = spoken_form(text, lang)
        combined = self.scores(text, lang).combined(self.calibration.weights)
        order = [int(i) for i in np.argsort(-combined)]
        out_of_scope = self.index.intents[order[0]] == OUT_OF_SCOPE
        real = [i for i in order if self.index.intents[i] != OUT_OF_SCOPE][:TOP_CANDIDATES]
        ranked = tuple(Candidate(self.index.intents[i], round(float(combined[i]), 4)) for i in real)
        decision, intent = decide(ranked, th, alarm=alarm, emergency_ids=self.emergency_ids)
        if out_of_scope and decision is not Decision.EMERGENCY:
            decision, intent = Decision.ABSTAIN, None  # nearer a known out-of-scope question than any intent
        score = ranked[0].score if ranked else 0.0
        if decision is Decision.EMERGENCY:
            score = max(score, 1.0 if alarm else score)
        return MatchResult(decision, intent, score, lang, ranked)


def build_matcher(kb: KnowledgeBase, calibration_path: Path, encoder: Encoder | None = None) -> Matcher:
    """The configured matcher for ``kb`` with the thresholds in ``calibration_path``."""
    return HybridMatcher(kb, load_calibration(calibration_path), encoder)
