"""Whisper's repetition loops are trimmed or rejected from the text of one bounded decode."""

from __future__ import annotations

import pytest

from ivr.asr.loops import clean, max_tokens, max_words, periodic_prefix, repeated_run


@pytest.mark.parametrize(("text", "audio_s", "expected", "loop"), [
    # exact repeats keep one copy
    ("Toi. Toi. Toi. Toi.", 1.0, "Toi.", "repeat"),
    ("Left bracket Left bracket Left bracket", 2.0, "Left bracket", "repeat"),
    ("9 9", 0.6, "9", "repeat"),
    ("la mairie la mairie " * 6, 3.0, "la mairie", "repeat"),
    # a near-repeat cut mid-copy (LAB-NOTES §7) keeps the first copy
    ("Première lettre du prénom Marie. Première lettre du prénom Marie. Première lettre du",
     3.0, "Première lettre du prénom Marie.", "repeat"),
    ("Je voudrais un acte de naissance pour mon fils, un acte de naissance pour mon fils s'il",
     3.5, "Je voudrais un acte de naissance pour mon fils,", "run"),
    # normal speech is untouched
    ("Merci.", 0.5, "Merci.", "none"),
    ("non, non merci", 1.0, "non, non merci", "none"),
    ("Composez votre mot de passe suivi du dièse.", 2.5, "Composez votre mot de passe suivi du dièse.", "none"),
    ("Pour les cartes d identité, prenez rendez-vous en ligne ou appelez le service état civil.", 5.0,
     "Pour les cartes d identité, prenez rendez-vous en ligne ou appelez le service état civil.", "none"),
    # fast French with elisions: 13 words said in 2.9 s (15 ``\w+`` runs), read right by whisper (spoken set)
    ("Est-ce qu'il y a un dentiste au centre de santé de la ville ?", 2.9,
     "Est-ce qu'il y a un dentiste au centre de santé de la ville ?", "none"),
])
def test_loops_are_trimmed_to_the_first_copy(text: str, audio_s: float, expected: str, loop: str) -> None:
    got = clean(text, audio_s)
    assert (got.text, got.loop) == (expected, loop)
    assert got.trimmed is (loop != "none")


def test_more_words_than_speech_allows_is_rejected() -> None:
    # 14 distinct words in 1 s: not what the caller said (> 4 words/s + 3)
    text = "le conseil municipal vote le budget de la ville pour les écoles et crèches demain"
    got = clean(text, 1.0)
    assert (got.text, got.loop, got.trimmed) == ("", "rate", True)
    assert clean(text, 3.0).text == text  # the same words over 3 s are plausible


def test_trimmed_loop_still_too_long_is_rejected() -> None:
    first = "un deux trois quatre cinq six sept huit neuf dix onze douze"
    got = clean(f"{first} un deux trois quatre cinq", 1.0)
    assert (got.text, got.loop) == ("", "run")


def test_compressible_garbage_is_rejected() -> None:
    text = "aaaa bbbb aaaa cccc aaaa bbbb aaaa cccc aaaa bbbb aaaa dddd aaaa bbbb aaaa cccc"
    assert clean(text, 10.0).loop in ("run", "compression")


def test_limits_grow_with_the_audio() -> None:
    assert max_words(0.0) == 3
    assert max_words(2.5) == 13
    assert max_tokens(2.5) == 3 * 13 + 8
    assert max_tokens(10.0) > max_tokens(2.0)


def test_helpers() -> None:
    assert periodic_prefix(["a", "b", "a", "b", "a"]) == 2
    assert periodic_prefix(["a", "b", "c"]) is None
    assert repeated_run(list("abcdexabcde")) == 6
    assert repeated_run(list("abcdabcd")) is None  # 4-word runs repeat in real speech
