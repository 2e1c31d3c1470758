"""Text normalisation for the ear (pure rules)."""

from __future__ import annotations

import pytest

from ivr.tts.normalize import normalize_en, normalize_for_speech, normalize_fr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ouvert de 8 h 30 à 17 h.", "Ouvert de 8 heures 30 à 17 heures."),
        ("Ouvert de 8h30 à 12h.", "Ouvert de 8 heures 30 à 12 heures."),
        ("À 1 h du matin.", "À 1 heure du matin."),
        ("Le tarif est de 25 €.", "Le tarif est de 25 euros."),
        ("Comptez 2,50 € par ticket.", "Comptez 2 euros 50 par ticket."),
        ("Le prix en €.", "Le prix en euros."),
        ("Bureau n° 12.", "Bureau numéro 12."),
        ("M. Dupont vous attend.", "monsieur Dupont vous attend."),
        ("Mme Martin et Mlle Petit.", "madame Martin et mademoiselle Petit."),
        ("Adressez-vous au CCAS.", "Adressez-vous au C C A S."),
        ("La CAF et la PMI.", "La CAF et la P M I."),
        ("Appelez le 01 99 00 10 00.", "Appelez le zéro un, 99, zéro zéro, 10, zéro zéro."),
        ("Appelez le 01.99.00.10.00.", "Appelez le zéro un, 99, zéro zéro, 10, zéro zéro."),
        ("Ou le +33 1 99 00 10 00.", "Ou le zéro un, 99, zéro zéro, 10, zéro zéro."),
        ("Le 1er lundi, la 1re semaine.", "Le premier lundi, la première semaine."),
        ("Voir https://www.ville.fr/demarches, merci.", "Voir, merci."),
        ("Prenez RDV sur www.ville.fr.", "Prenez rendez-vous sur."),
        ("Écrivez à contact@ville.fr ou venez.", "Écrivez à ou venez."),
        ("Taux 5 %.", "Taux 5 pour cent."),
    ],
)
def test_french_rules(text: str, expected: str) -> None:
    assert normalize_fr(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Open 8 h 30 to 17 h 00.", "Open 8:30 to 17:00."),
        ("Call 01 99 00 10 00.", "Call zero one, nine nine, zero zero, one zero, zero zero."),
        ("Mr. Smith at the CCAS.", "mister Smith at the C C A S."),
        ("The fee is 25 €.", "The fee is 25 euros."),
        ("See https://city.example/help for more.", "See for more."),
    ],
)
def test_english_rules(text: str, expected: str) -> None:
    assert normalize_en(text) == expected


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_idempotent(lang: str) -> None:
    text = (
        "M. Dupont, le CCAS ouvre le 1er lundi à 8 h 30 ; tarif 2,50 € (n° 3), "
        "tél. 01 99 00 10 00, https://ville.fr."
    )
    once = normalize_for_speech(text, lang)
    assert normalize_for_speech(once, lang) == once
    assert "http" not in once and "01" not in once


def test_plain_words_untouched() -> None:
    text = "Bonjour, vous êtes bien à la mairie. Que puis-je faire pour vous ?"
    assert normalize_fr(text) == text
