"""``ivr kb calibrate``: fit signal weights and per-language thresholds by cross-validation.

Each knowledge utterance is scored by an index built WITHOUT its fold, so the numbers reflect questions the
matcher never saw. Out-of-scope behaviour is fitted on a small hand-written list shipped in
``ivr/nlu/data/oos.txt``. The held-out evaluation set is never read here.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from ivr.nlu.calibration import Calibration, LangThresholds
from ivr.nlu.emergency import detect_emergency
from ivr.nlu.encoder import Encoder
from ivr.nlu.index import IntentIndex, Scores, Weights
from ivr.nlu.matcher import build_index, index_texts
from ivr.nlu.model import LANGS, IntentKind, KnowledgeBase

OOS_FILE = Path(__file__).with_name("data") / "oos.txt"
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


def load_oos(path: Path = OOS_FILE) -> list[tuple[str, str]]:
    """(lang, text) out-of-scope calibration questions."""
    out: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, _, text = line.partition("\t")
            out.append((lang.strip(), text.strip()))
    return out


def cross_validate(kb: KnowledgeBase, encoder: Encoder, weights: Weights, folds: int = 5, seed: int = 7) -> list[Trial]:
    """Score every utterance with an index that excludes its fold, plus the out-of-scope questions."""
    ids, labels, texts = index_texts(kb)
    full = build_index(kb, encoder)
    langs = [lang for iid in ids for lang in LANGS for _ in kb.intents[iid].utterances.get(lang, ())]
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
        for row in np.flatnonzero(fold_of == f):
            r = int(row)
            scores = sub.score(texts[r], full.vectors[r], weights)
            trials.append(Trial(langs[r], labels[r], scores, detect_emergency(texts[r]) is not None))
    oos = load_oos()
    vectors = encoder.encode([t for _, t in oos])
    for (lang, text), vec in zip(oos, vectors, strict=True):
        trials.append(Trial(lang, -1, full.score(text, vec, weights), detect_emergency(text) is not None))
    return trials


@dataclass(frozen=True, slots=True)
class _Ranked:
    expected: npt.NDArray[np.int64]
    top: npt.NDArray[np.int64]
    second: npt.NDArray[np.int64]
    s1: npt.NDArray[np.float64]
    s2: npt.NDArray[np.float64]


def _rank(trials: list[Trial], w: Weights) -> _Ranked:
    combined = np.stack([t.scores.combined(w) for t in trials])
    order = np.argsort(-combined, axis=1)
    rows = np.arange(len(trials))
    return _Ranked(
        np.array([t.expected for t in trials]), order[:, 0], order[:, 1],
        combined[rows, order[:, 0]], combined[rows, order[:, 1]],
    )


def _fit_lang(r: _Ranked, emergency: set[int]) -> tuple[LangThresholds, float, dict[str, float]]:
    inscope = r.expected >= 0
    is_emerg = np.isin(r.expected, list(emergency))
    normal = inscope & ~is_emerg
    correct = r.top == r.expected
    best: tuple[float, float, float] | None = None
    best_stats: dict[str, float] = {}
    for t in np.arange(0.30, 0.95, 0.01):
        for m in np.arange(0.0, 0.101, 0.01):
            answered = (r.s1 >= t) & (r.s1 - r.s2 >= m)
            right = float((answered & correct & normal).sum()) / max(int(normal.sum()), 1)
            wrong = float((answered & ~correct & normal).sum()) / max(int(normal.sum()), 1)
            oos_abst = float((~(r.s1 >= t) & ~inscope).sum()) / max(int((~inscope).sum()), 1)
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
    return LangThresholds(round(t, 4), round(m, 4), round(e, 4)), best[0], best_stats


WEIGHT_GRID: tuple[tuple[float, float, float], ...] = tuple(
    (e, f, round(1.0 - e - f, 2))
    for e, f in itertools.product((0.4, 0.5, 0.6, 0.7, 0.8, 1.0), (0.0, 0.1, 0.2, 0.3))
    if e + f <= 1.0 + 1e-9
)


def calibrate(kb: KnowledgeBase, encoder: Encoder) -> tuple[Calibration, dict[str, dict[str, float]]]:
    """The best weights and per-language thresholds, with the cross-validated figures per language."""
    base = Weights()
    trials = cross_validate(kb, encoder, base)
    ids = sorted(kb.intents)
    emergency = {i for i, iid in enumerate(ids) if kb.intents[iid].kind is IntentKind.EMERGENCY}
    best: tuple[float, Calibration, dict[str, dict[str, float]]] | None = None
    for e, f, k in WEIGHT_GRID:
        w = Weights(
            embed=e, fuzzy=f, keywords=k, top_k=base.top_k, best_share=base.best_share,
            centroid_share=base.centroid_share,
        )
        total = 0.0
        langs: dict[str, LangThresholds] = {}
        report: dict[str, dict[str, float]] = {}
        for lang in LANGS:
            subset = [t for t in trials if t.lang == lang]
            if not subset:
                continue
            th, objective, stats = _fit_lang(_rank(subset, w), emergency)
            langs[lang] = th
            report[lang] = stats
            total += objective * len(subset)
        if best is None or total > best[0]:
            best = (total, Calibration(w, MappingProxyType(langs), kb.version), report)
    assert best is not None
    return best[1], best[2]
