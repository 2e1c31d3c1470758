"""Spoken forms and French phonetic keys: what a recogniser writes meets what the knowledge base writes."""

from __future__ import annotations

import pytest

from ivr.nlu.phonetic import phonetic_key, sounds_alike
from ivr.nlu.spoken import join_spelled, spoken_form


@pytest.mark.parametrize(("heard", "written"), [
    ("comment contacter le c c a s", "comment contacter le ccas"),
    ("je dois renouveler ma demande de h l m", "je dois renouveler ma demande de hlm"),
    ("le P.L.U. de la ville", "le plu de la ville"),
    ("il y a un nid de poule", "il y a un nid de poule"),
    ("j y vais demain", "j y vais demain"),
    ("c'est à la mairie", "c'est à la mairie"),
])
def test_spelled_letters_are_joined_only_in_runs_of_three(heard: str, written: str) -> None:
    assert join_spelled(heard) == written


@pytest.mark.parametrize(("heard", "written"), [
    ("on s'est mariés en deux mille dix", "on s'est mariés en 2010"),
    ("née en mille neuf cent quatre-vingt-dix", "née en 1990"),
    ("le vingt et un mars", "le 21 mars"),
    ("je voudrais une carte d'identité", "je voudrais une carte d'identité"),
    ("le c c a s est ouvert le samedi", "le ccas est ouvert le samedi"),
])
def test_number_words_become_digits_in_french(heard: str, written: str) -> None:
    assert spoken_form(heard, "fr") == written


def test_english_numbers() -> None:
    assert spoken_form("I have three children", "en") == "I have 3 children"


@pytest.mark.parametrize(("misheard", "meant"), [
    ("lacteurs", "électeurs"),
    ("conception", "concession"),
    ("grite", "grippe"),
    ("arrachies", "arachides"),
    ("déchetterie", "déchèterie"),
    ("lampadère", "lampadaire"),
    ("cotien", "quotient"),
])
def test_misheard_words_sound_like_the_meant_ones(misheard: str, meant: str) -> None:
    assert sounds_alike(misheard, meant)


@pytest.mark.parametrize(("a", "b"), [
    ("piscine", "passeport"),
    ("cantine", "piscine"),
    ("mariage", "marché"),
    ("naissance", "déchetterie"),
])
def test_different_words_do_not(a: str, b: str) -> None:
    assert not sounds_alike(a, b)


def test_keys_fold_spelling_variants_together() -> None:
    assert phonetic_key("poubelles") == phonetic_key("poubel")
    assert phonetic_key("crèche") == phonetic_key("creche")


def test_a_misheard_keyword_still_counts_for_its_intent() -> None:
    """The keyword signal of the index: "lacteurs" is not a knowledge word, but sounds like "électeurs"."""
    import numpy as np

    from ivr.nlu.index import IntentIndex, Weights

    texts = ["inscription sur les listes électorales", "ma carte d'électeurs", "horaires de la piscine"]
    vectors = np.eye(3, dtype=np.float32)
    index = IntentIndex(["voter_registration", "swimming_pool"], [0, 0, 1], texts, vectors)
    heard = index.score("ma carte des lacteurs", np.zeros(3, dtype=np.float32), Weights(), "fr")
    assert heard.keywords[0] > heard.keywords[1]
    english = index.score("ma carte des lacteurs", np.zeros(3, dtype=np.float32), Weights(), "en")
    assert english.keywords[0] < heard.keywords[0]
