"""Scoring a question against every intent's example utterances (pure numpy + rapidfuzz, no I/O).

Three signals per intent, each in [0, 1]:

* ``embed``: cosine similarity of sentence embeddings, mixing the intent's mean vector, its best utterance
  and the mean of its top k utterances;
* ``fuzzy``: the best rapidfuzz similarity between the accent-folded question and an utterance;
* ``keywords``: how much of the question's informative words (IDF-weighted, matched fuzzily so that
  recognition errors such as ``pasport`` still count, then by how they sound so that ``lacteurs`` meets
  ``électeurs``) occur in the intent's utterances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ivr.nlu.encoder import Vectors
from ivr.nlu.phonetic import phonetic_key
from ivr.nlu.text import fold

Floats = npt.NDArray[np.float64]

SPELLING_CUTOFF = 84.0
"""rapidfuzz ratio for a word the knowledge base does not use to count as one it does ("pasport")."""
PHONETIC_CUTOFF = 75.0
"""Ratio between phonetic keys for the same, when spelling is too far: "lacteurs"/"électeurs" scores 77,
"grite"/"grippe" 75, while "piscine"/"passeport" scores 33 and "cantine"/"piscine" 40."""


@dataclass(frozen=True, slots=True)
class Weights:
    """How the three signals are combined (fitted by ``ivr kb calibrate``)."""

    embed: float = 0.6
    fuzzy: float = 0.15
    keywords: float = 0.25
    top_k: int = 3
    best_share: float = 0.5
    """Share of the best utterance's similarity in the nearest-neighbour part (the rest: mean of the top k)."""
    centroid_share: float = 0.5
    """Share of the similarity to the intent's mean vector in ``embed`` (the rest: nearest neighbours)."""
    classifier: float = 0.0
    """Share of the trained classifier's probability (:mod:`ivr.nlu.scorer`) in the final score; the rest is
    the weighted similarity above. 0 (the default of an old calibration file) ignores the classifier."""


@dataclass(frozen=True, slots=True)
class Scores:
    """Per-intent signals for one question, aligned with ``IntentIndex.intents``."""

    embed: Floats
    fuzzy: Floats
    keywords: Floats
    proba: Floats | None = None
    """The trained classifier's probabilities, when there is one."""

    def similarity(self, w: Weights) -> Floats:
        """The weighted similarity signals."""
        total = w.embed + w.fuzzy + w.keywords
        return (w.embed * self.embed + w.fuzzy * self.fuzzy + w.keywords * self.keywords) / total

    def combined(self, w: Weights) -> Floats:
        """The final score: similarity mixed with the classifier's probability by ``w.classifier``."""
        similarity = self.similarity(w)
        if self.proba is None or w.classifier <= 0.0:
            return similarity
        return (1.0 - w.classifier) * similarity + w.classifier * self.proba


class IntentIndex:
    """Example utterances (already embedded) grouped by intent."""

    def __init__(self, intents: Sequence[str], labels: Sequence[int], texts: Sequence[str], vectors: Vectors):
        """``labels[i]`` is the position in ``intents`` of the intent of ``texts[i]``/``vectors[i]``."""
        self.intents = tuple(intents)
        self.vectors = vectors
        self.folded = [fold(t) for t in texts]
        labels_arr = np.asarray(labels, dtype=np.int64)
        n_int = len(self.intents)
        counts = np.bincount(labels_arr, minlength=n_int)
        width = int(counts.max()) if len(labels_arr) else 1
        # pad[i, j] = row of the j-th utterance of intent i, or len(texts) (a sentinel scoring -1)
        self._pad = np.full((n_int, max(width, 1)), len(texts), dtype=np.int64)
        fill = np.zeros(n_int, dtype=np.int64)
        for row, lab in enumerate(labels_arr):
            self._pad[lab, fill[lab]] = row
            fill[lab] += 1
        self._counts = np.maximum(counts, 1)
        centroids = np.zeros((n_int, vectors.shape[1] if vectors.ndim == 2 else 512), dtype=np.float32)
        np.add.at(centroids, labels_arr, vectors)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = centroids / np.maximum(norms, 1e-9)
        # keyword statistics: which intents use each word, and how informative the word is
        vocab: dict[str, set[int]] = {}
        for text, lab in zip(self.folded, labels_arr, strict=True):
            for tok in text.split():
                if len(tok) >= 3:
                    vocab.setdefault(tok, set()).add(int(lab))
        self._vocab = sorted(vocab)
        self._vocab_pos = {t: i for i, t in enumerate(self._vocab)}
        self._sounds = [phonetic_key(t) for t in self._vocab]
        self._presence = np.zeros((len(self._vocab), n_int), dtype=np.float64)
        for tok, owners in vocab.items():
            self._presence[self._vocab_pos[tok], list(owners)] = 1.0
        df = self._presence.sum(axis=1)
        self._idf = np.log((n_int + 1) / (df + 0.5))
        self._unknown_idf = math.log((n_int + 1) / 0.5) * 0.5

    def _per_intent(self, values: Floats, w: Weights) -> tuple[Floats, Floats]:
        padded = np.concatenate([values, [-1.0]])[self._pad]
        ordered = -np.sort(-padded, axis=1)
        k = min(w.top_k, ordered.shape[1])
        best = ordered[:, 0]
        top = ordered[:, :k]
        kcount = np.minimum(self._counts, k)
        topk_mean = np.where(top > -1.0, top, 0.0).sum(axis=1) / kcount
        return best, topk_mean

    def _keywords(self, folded_query: str, lang: str) -> Floats:
        weights: list[float] = []
        rows: list[int] = []
        for tok in folded_query.split():
            if len(tok) < 3:
                continue
            pos = self._vocab_pos.get(tok)
            if pos is None and len(tok) >= 5:
                hit = process.extractOne(tok, self._vocab, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
                if hit is not None:
                    pos = int(hit[2])
            if pos is None and len(tok) >= 4 and lang == "fr":  # French sounds: English words only misfire
                key = phonetic_key(tok)
                sound = process.extractOne(key, self._sounds, scorer=fuzz.ratio, score_cutoff=PHONETIC_CUTOFF)
                if sound is not None and len(key) >= 3:
                    pos = int(sound[2])
            if pos is None:
                weights.append(self._unknown_idf)
                rows.append(-1)
            else:
                weights.append(float(self._idf[pos]))
                rows.append(pos)
        total = sum(weights)
        out = np.zeros(len(self.intents), dtype=np.float64)
        if total <= 0:
            return out
        for weight, row in zip(weights, rows, strict=True):
            if row >= 0:
                out += weight * self._presence[row]
        return out / total

    def score(self, query: str, query_vector: Vectors, w: Weights, lang: str = "fr") -> Scores:
        """Signals for one question spoken in ``lang``."""
        sims = (self.vectors @ query_vector.reshape(-1)).astype(np.float64)
        folded = fold(query)
        lex = process.cdist([folded], self.folded, scorer=fuzz.token_sort_ratio, dtype=np.float64)[0] / 100.0
        best, topk = self._per_intent(sims, w)
        centroid = (self._centroids @ query_vector.reshape(-1)).astype(np.float64)
        neighbours = w.best_share * best + (1.0 - w.best_share) * topk
        embed = w.centroid_share * centroid + (1.0 - w.centroid_share) * neighbours
        fuzzy_best, _ = self._per_intent(lex, w)
        return Scores(np.clip(embed, 0.0, 1.0), np.clip(fuzzy_best, 0.0, 1.0), self._keywords(folded, lang))
