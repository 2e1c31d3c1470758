"""A trained intent classifier, out-of-scope as its own class, so that bands apply to a probability.

Raw similarity separates "the right intent" from "no intent" poorly: on the tuning split the best similarity
of in-scope questions and of out-of-scope ones overlap (ROC AUC 0.94), so a threshold that keeps wrong
answers rare abstains on many good questions. A multinomial logistic regression over the sentence embedding
and character n-grams, trained on the knowledge utterances plus the written out-of-scope examples, learns
which directions and word pieces mark each intent and what marks "none of them": 1 - P(out of scope)
separates the same questions with an AUC of 0.9997.

The model is scikit-learn's ``LogisticRegression`` (BSD), retrained on every knowledge version (about 3 s on
one core for 1,300 utterances), never stored: it is a pure function of the knowledge files and the encoder.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ivr.nlu.encoder import Vectors
from ivr.nlu.text import fold

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ScorerSettings:
    """How the classifier is trained (chosen on the tuning split, see ``ivr kb calibrate``)."""

    c: float = 10.0
    """Inverse regularisation strength; 1.0 under-fits the 59 classes (tune top-1 drops)."""
    ngram_min: int = 2
    ngram_max: int = 4
    """Character n-grams inside words: they survive recognition errors ("pasport") and inflections."""
    max_iter: int = 300


def _features(vectoriser: TfidfVectorizer, texts: Sequence[str], vectors: Vectors) -> sparse.csr_matrix:
    """The embedding next to the TF-IDF of the folded text's character n-grams."""
    grams = vectoriser.transform([fold(t) for t in texts])
    return sparse.csr_matrix(sparse.hstack([sparse.csr_matrix(vectors), grams]))


class IntentScorer:
    """P(class | question) for every class of the index, the out-of-scope pseudo-intent included."""

    def __init__(self, n_classes: int, vectoriser: TfidfVectorizer, model: LogisticRegression) -> None:
        self._vectoriser = vectoriser
        self._model = model
        self._columns = np.asarray(model.classes_, dtype=np.int64)
        self.n_classes = n_classes

    def proba(self, texts: Sequence[str], vectors: Vectors) -> Floats:
        """One row per text, one column per class of the index (a class without examples gets 0)."""
        got = self._model.predict_proba(_features(self._vectoriser, texts, vectors))
        out = np.zeros((len(texts), self.n_classes), dtype=np.float64)
        out[:, self._columns] = got
        return out


def train_scorer(
    labels: Sequence[int],
    texts: Sequence[str],
    vectors: Vectors,
    n_classes: int,
    settings: ScorerSettings | None = None,
) -> IntentScorer:
    """Fit the classifier on the examples (``labels[i]`` is the class of ``texts[i]``/``vectors[i]``)."""
    s = settings or ScorerSettings()
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(s.ngram_min, s.ngram_max), sublinear_tf=True)
    vectoriser.fit([fold(t) for t in texts])
    model = LogisticRegression(C=s.c, max_iter=s.max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few more iterations change nothing measurable
        model.fit(_features(vectoriser, texts, vectors), np.asarray(labels, dtype=np.int64))
    return IntentScorer(n_classes, vectoriser, model)
