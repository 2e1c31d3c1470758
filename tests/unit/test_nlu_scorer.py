"""The trained scorer on a small hand-made knowledge base: out-of-scope abstains, close pairs ask "A ou B ?".

Pure: a bag-of-words hashing encoder stands in for the sentence encoder (no model is loaded); the classifier,
the index and the decision rule are the real ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from types import MappingProxyType

import numpy as np
import pytest

from ivr.nlu.calibration import Calibration, LangThresholds
from ivr.nlu.encoder import Vectors
from ivr.nlu.index import Weights
from ivr.nlu.matcher import HybridMatcher, index_rows
from ivr.nlu.model import Answer, Intent, IntentKind, KnowledgeBase
from ivr.nlu.oos import OUT_OF_SCOPE
from ivr.nlu.scorer import train_scorer
from ivr.nlu.text import fold
from ivr.nlu.types import Decision

UTTERANCES = {
    "passport": ["je voudrais un passeport", "refaire mon passeport", "passeport perdu",
                 "demande de passeport pour partir en voyage", "mon passeport est périmé",
                 "prendre rendez-vous pour un passeport", "refaire mes papiers pour voyager"],
    "id_card": ["je voudrais une cni", "refaire ma cni", "cni perdue", "demande de cni pour partir en voyage",
                "ma cni est périmée", "prendre rendez-vous pour une cni", "refaire mes papiers perdus"],
    "swimming_pool": ["horaires de la piscine", "la piscine est ouverte le dimanche", "prix d'une entrée à la piscine",
                      "cours de natation pour enfants", "bassin olympique", "aquagym à la piscine municipale"],
    "library": ["horaires de la médiathèque", "emprunter des livres", "rendre un livre en retard",
                "inscription à la bibliothèque", "carte de lecteur perdue", "prolonger un prêt de livre"],
}


class HashingEncoder:
    """Deterministic unit vectors from the folded words (a stand-in for USE in pure tests)."""

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in fold(text).split():
                out[row, int(hashlib.sha1(word.encode()).hexdigest(), 16) % 512] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normed: Vectors = (out / np.maximum(norms, 1e-9)).astype(np.float32)
        return normed


def _kb() -> KnowledgeBase:
    answer = MappingProxyType({"fr": Answer("ok", "ok"), "en": Answer("ok", "ok")})
    intents = {
        iid: Intent(iid, "accueil", IntentKind.ANSWER, date(2026, 11, 1),
                    MappingProxyType({"fr": tuple(texts), "en": ()}), answer)
        for iid, texts in UTTERANCES.items()
    }
    return KnowledgeBase(MappingProxyType(intents), MappingProxyType({}), MappingProxyType({}), "scorer-test")


def _matcher(classifier: float) -> HybridMatcher:
    th = LangThresholds(threshold=0.6, margin=0.1, emergency=0.9, confirm=0.3)
    weights = Weights(embed=0.6, fuzzy=0.1, keywords=0.3, classifier=classifier)
    return HybridMatcher(_kb(), Calibration(weights, MappingProxyType({"fr": th})), HashingEncoder())


@pytest.fixture(scope="module")
def matcher() -> HybridMatcher:
    return _matcher(0.5)


def test_probabilities_cover_every_class_out_of_scope_included() -> None:
    kb = _kb()
    ids, labels, texts, _ = index_rows(kb)
    encoder = HashingEncoder()
    scorer = train_scorer(labels, texts, encoder.encode(texts), len(ids))
    proba = scorer.proba(["je voudrais commander une pizza", "horaires de la piscine"],
                         encoder.encode(["je voudrais commander une pizza", "horaires de la piscine"]))
    assert proba.shape == (2, len(ids))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert ids[int(np.argmax(proba[0]))] == OUT_OF_SCOPE
    assert ids[int(np.argmax(proba[1]))] == "swimming_pool"


def test_clear_question_is_answered(matcher: HybridMatcher) -> None:
    result = matcher.match("la piscine est ouverte le samedi", "fr")
    assert (result.decision, result.intent) == (Decision.ANSWER, "swimming_pool"), result


@pytest.mark.parametrize("text", ["je voudrais commander une pizza", "quel temps fera-t-il demain"])
def test_out_of_scope_question_abstains(matcher: HybridMatcher, text: str) -> None:
    result = matcher.match(text, "fr")
    assert (result.decision, result.intent) == (Decision.ABSTAIN, None), result


def test_confusable_pair_asks_which_one(matcher: HybridMatcher) -> None:
    result = matcher.match("refaire mes papiers", "fr")
    assert result.decision is Decision.CLARIFY, result
    assert {c.intent for c in result.candidates[:2]} == {"passport", "id_card"}


def test_likely_but_unsure_question_is_confirmed(matcher: HybridMatcher) -> None:
    result = matcher.match("bassin", "fr")
    assert (result.decision, result.intent) == (Decision.CONFIRM, "swimming_pool"), result


def test_the_classifier_moves_the_score_and_an_old_calibration_ignores_it(matcher: HybridMatcher) -> None:
    old = _matcher(0.0)
    assert old.scorer is None and matcher.scorer is not None
    text = "horaires de la piscine le dimanche"
    assert matcher.scores(text).proba is not None and old.scores(text).proba is None
    assert matcher.match(text, "fr").score != old.match(text, "fr").score
