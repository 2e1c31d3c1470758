"""``ivr kb calibrate``: fit signal weights and per-language thresholds by cross-validation.

Each knowledge utterance is scored by an index built WITHOUT its fold, so the numbers reflect questions the
matcher never saw. Out-of-scope behaviour is fitted on a small hand-written list shipped in
``ivr/nlu/data/oos.txt``; citizen questions written apart from the knowledge base (the tuning split,
``ivr/nlu/data/tune.tsv``) are scored against the whole index. The held-out test splits
(``tests/data/kb_eval.tsv``, ``tests/data/kb_heldout.tsv``) are never read here.

The trained classifier (:mod:`ivr.nlu.scorer`) is cross-validated the same way: each fold's utterances are
scored by a classifier trained on the other folds. Weights (the classifier's share included) are chosen with
two bands (answer / abstain); then the three bands (answer / confirm / abstain) are fitted per language on the
final score by :mod:`ivr.nlu.bands`, which also reports figures cross-validated over the questions.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ivr.nlu.bands import Ranked, cross_validated, fit_bands, trade_off
from ivr.nlu.calibration import Calibration, LangThresholds
from ivr.nlu.emergency import detect_emergency
from ivr.nlu.encoder import Encoder
from ivr.nlu.evaluate import OOS, read_eval
from ivr.nlu.index import IntentIndex, Scores, Weights
from ivr.nlu.matcher import build_index, build_scorer, index_rows
from ivr.nlu.model import LANGS, IntentKind, KnowledgeBase
from ivr.nlu.oos import OUT_OF_SCOPE
from ivr.nlu.scorer import train_scorer
from ivr.nlu.spoken import spoken_form

CLASSIFIER_SHARES = (0.0, 0.25, 0.5)
"""Shares of the trained classifier's probability in the final score tried by the weight search. Up to 1.0,
cross-validation on written utterances picks the classifier alone, which reads misheard speech worse: spoken
tune split (French) top-1 76.4 % and 73.5 % routed right at best (phone floor 0.15), against 78.2 % and 79.7 %
(floor 0.20) with half similarity, half classifier; text tune split 88.9 % vs 89.6 % routed right. (Spoken
figures from a floor sweep that then left unrecognised renderings out: a little high, compared like for like.)"""
TUNE_FILE = Path(__file__).with_name("data") / "tune.tsv"
MAX_WRONG = 0.02
"""Target wrong-answer rate on cross-validated in-scope utterances."""
MIN_OOS_ABSTAIN = 0.95
"""Target abstention rate on the out-of-scope calibration questions."""


@dataclass(frozen=True, slots=True)
class Trial:
    """One cross-validated question: its language, expected intent position (-1 = out of scope), signals."""

    lang: str
    expected: int
    scores: Scores
    alarm: bool


def cross_validate(kb: KnowledgeBase, encoder: Encoder, weights: Weights, folds: int = 5, seed: int = 7) -> list[Trial]:
    """Score every utterance with an index that excludes its fold, plus the out-of-scope questions."""
    ids, labels, texts, langs = index_rows(kb)
    oos_pos = ids.index(OUT_OF_SCOPE)
    full = build_index(kb, encoder)
    full_scorer = build_scorer(kb, encoder)
    rng = random.Random(seed)
    fold_of = np.zeros(len(texts), dtype=np.int64)
    for pos in range(len(ids)):
        rows = [r for r, lab in enumerate(labels) if lab == pos]
        rng.shuffle(rows)
        for k, r in enumerate(rows):
            fold_of[r] = k % folds
    trials: list[Trial] = []
    for f in range(folds):
        keep = np.flatnonzero(fold_of != f)
        sub = IntentIndex(ids, [labels[r] for r in keep], [texts[r] for r in keep], full.vectors[keep])
        held = np.flatnonzero(fold_of == f)
        scorer = train_scorer([labels[r] for r in keep], [texts[r] for r in keep], full.vectors[keep], len(ids))
        probas = scorer.proba([texts[int(r)] for r in held], full.vectors[held])
        for row, proba in zip(held, probas, strict=True):
            r = int(row)
            scores = replace(sub.score(texts[r], full.vectors[r], weights, langs[r]), proba=proba)
            expected = -1 if labels[r] == oos_pos else labels[r]
            trials.append(Trial(langs[r], expected, scores, detect_emergency(texts[r]) is not None))
    position = {iid: pos for pos, iid in enumerate(ids)}
    extra = [(i.lang, position[i.expected] if i.expected != OOS else -1, i.text)
              for i in (read_eval(TUNE_FILE) if TUNE_FILE.exists() else [])
              if i.expected in position or i.expected == OOS]
    spoken = [spoken_form(t, lang) for lang, _, t in extra]
    vectors = encoder.encode(spoken)
    tune_probas = full_scorer.proba(spoken, vectors) if full_scorer is not None and extra else None
    for n, ((lang, expected, text), said, vec) in enumerate(zip(extra, spoken, vectors, strict=True)):
        scores = replace(full.score(said, vec, weights, lang), proba=None if tune_probas is None else tune_probas[n])
        trials.append(Trial(lang, expected, scores, detect_emergency(text) is not None))
    return trials


def _rank(trials: list[Trial], w: Weights) -> Ranked:
    """The two best real intents per trial, and whether the out-of-scope class (the last column) beat them."""
    combined = np.stack([t.scores.combined(w) for t in trials])
    oos_top = np.argmax(combined, axis=1) == combined.shape[1] - 1
    combined[:, -1] = -np.inf
    order = np.argsort(-combined, axis=1)
    rows = np.arange(len(trials))
    return Ranked(
        np.array([t.expected for t in trials]), order[:, 0], order[:, 1],
        combined[rows, order[:, 0]], combined[rows, order[:, 1]], oos_top,
    )


def _fit_lang(r: Ranked, emergency: set[int]) -> tuple[LangThresholds, float, dict[str, float]]:
    inscope = r.expected >= 0
    is_emerg = np.isin(r.expected, list(emergency))
    normal = inscope & ~is_emerg
    correct = r.top == r.expected
    blocked = r.oos_top if r.oos_top is not None else np.zeros(len(r.s1), dtype=bool)
    best: tuple[float, float, float] | None = None
    best_stats: dict[str, float] = {}
    for t in np.arange(0.30, 0.95, 0.01):
        for m in np.arange(0.0, 0.101, 0.01):
            answered = (r.s1 >= t) & (r.s1 - r.s2 >= m) & ~blocked
            right = float((answered & correct & normal).sum()) / max(int(normal.sum()), 1)
            wrong = float((answered & ~correct & normal).sum()) / max(int(normal.sum()), 1)
            oos_abst = float(((blocked | (r.s1 < t)) & ~inscope).sum()) / max(int((~inscope).sum()), 1)
            feasible = wrong <= MAX_WRONG and oos_abst >= MIN_OOS_ABSTAIN
            objective = right - 4.0 * wrong - 1.5 * (1.0 - oos_abst) + (1.0 if feasible else 0.0)
            if best is None or objective > best[0] + 1e-9:
                best = (objective, float(t), float(m))
                best_stats = {"answered_correct": right, "wrong": wrong, "oos_abstain": oos_abst}
    assert best is not None
    _, t, m = best
    emerg_scores = r.s1[is_emerg & (r.top == r.expected)]
    e = float(np.quantile(emerg_scores, 0.05)) - 0.02 if len(emerg_scores) else t
    e = float(np.clip(e, 0.30, t))
    top1 = float((correct & normal).sum()) / max(int(normal.sum()), 1)
    best_stats["top1"] = top1
    return LangThresholds(threshold=round(t, 4), margin=round(m, 4), emergency=round(e, 4)), best[0], best_stats


MIN_KEYWORDS = 0.2
"""The keyword signal (spelling- and sound-tolerant word hits) keeps at least this share. Cross-validation on
written utterances alone drops it once the classifier is there (its character n-grams carry the spelling), but
misheard speech needs it: with embed 0.6 / fuzzy 0.1 / keywords 0.3 instead of embed alone (same bands, half
classifier), spoken tune split top-1 75.8 % -> 77.9 %, text tune split routed right 87.4 % -> 89.6 %."""
WEIGHT_GRID: tuple[tuple[float, float, float, float], ...] = tuple(
    (e, f, round(1.0 - e - f, 2), c)
    for e, f, c in itertools.product((0.4, 0.5, 0.6, 0.7, 0.8, 1.0), (0.0, 0.1, 0.2, 0.3), CLASSIFIER_SHARES)
    if e + f <= 1.0 - MIN_KEYWORDS + 1e-9
)


@dataclass(frozen=True, slots=True)
class CalibrationFit:
    """What ``ivr kb calibrate`` found: the calibration, its cross-validated figures, the trade-off table."""

    calibration: Calibration
    report: dict[str, dict[str, float]]
    """Per language: figures of thresholds fitted on other folds (see :func:`ivr.nlu.bands.cross_validated`)."""
    trade_off: dict[str, list[dict[str, float]]]
    """Per language: extra turns against wrong answers for a grid of answer thresholds and band depths."""


def _best_weights(trials: list[Trial], emergency: set[int]) -> tuple[Weights, dict[str, LangThresholds]]:
    base = Weights()
    best: tuple[float, Weights, dict[str, LangThresholds]] | None = None
    for e, f, k, c in WEIGHT_GRID:
        w = Weights(
            embed=e, fuzzy=f, keywords=k, top_k=base.top_k, best_share=base.best_share,
            centroid_share=base.centroid_share, classifier=c,
        )
        total = 0.0
        langs: dict[str, LangThresholds] = {}
        for lang in LANGS:
            subset = [t for t in trials if t.lang == lang]
            if subset:
                langs[lang], objective, _ = _fit_lang(_rank(subset, w), emergency)
                total += objective * len(subset)
        if best is None or total > best[0]:
            best = (total, w, langs)
    assert best is not None
    return best[1], best[2]


def calibrate(kb: KnowledgeBase, encoder: Encoder) -> CalibrationFit:
    """The best weights, then the three bands per language, with cross-validated figures per language."""
    trials = cross_validate(kb, encoder, Weights())
    ids = sorted(kb.intents)
    emergency = {i for i, iid in enumerate(ids) if kb.intents[iid].kind is IntentKind.EMERGENCY}
    weights, two_bands = _best_weights(trials, emergency)
    langs: dict[str, LangThresholds] = {}
    report: dict[str, dict[str, float]] = {}
    table: dict[str, list[dict[str, float]]] = {}
    for lang, old in two_bands.items():
        ranked = _rank([t for t in trials if t.lang == lang], weights)
        bands, _ = fit_bands(ranked, emergency)
        langs[lang] = LangThresholds(
            threshold=round(bands.threshold, 4), margin=round(bands.margin, 4),
            emergency=min(old.emergency, bands.threshold), confirm=round(bands.confirm, 4),
        )
        normal = (ranked.expected >= 0) & ~np.isin(ranked.expected, list(emergency))
        top1 = float((normal & (ranked.top == ranked.expected)).sum()) / max(int(normal.sum()), 1)
        report[lang] = {**cross_validated(ranked, emergency), "top1": top1}
        table[lang] = trade_off(ranked, emergency, bands.margin)
    return CalibrationFit(Calibration(weights, MappingProxyType(langs), kb.version), report, table)
