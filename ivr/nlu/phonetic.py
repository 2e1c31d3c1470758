"""A French phonetic key, so that a misheard word still meets the knowledge base's word that sounds alike.

Whisper writes what French sounds like: "lacteurs" for "électeurs", "conception" for "concession", "grite"
for "grippe". Spelling distance misses many of these; comparing how the words sound catches them.

Why our own: the maintained phonetic libraries on PyPI (jellyfish, phonetics, pyphonetics, fonetika) encode
English, Russian or Nordic sounds only; abydos has French Phonex/FONEM but is GPL-3.0 and unmaintained since
2020; addok-fr's phonemiser needs the whole addok server (Redis) and is tuned for street names. So this is a
small rule list in the spirit of Soundex-FR/Phonex (own rules, not a port): spelling groups that sound the
same become one symbol, silent endings go, doubled letters collapse. ``sounds_alike`` then compares keys with
a plain edit-distance ratio, since recognition errors are near, not exact, homophones.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from ivr.nlu.text import fold

# Ordered rewrites on a folded (lower case, no accents) word; earlier rules win.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"^h", ""),
    (r"(?<=[aeiouy])h", ""),
    (r"sch|ch|sh", "S"),
    (r"ph", "f"),
    (r"th", "t"),
    (r"gn", "N"),
    (r"qu|q", "k"),
    (r"gu(?=[eiy])", "g"),
    (r"c(?=[eiy])", "s"),
    (r"g(?=[eiy])", "j"),
    (r"tion", "sion"),
    (r"(?<=[aeiou])ill", "y"),
    (r"ill", "iy"),
    (r"eaux?|aux?|au", "o"),
    (r"oeu|eu|oe", "E"),
    (r"oi|oy", "wa"),
    (r"ou", "u"),
    (r"(?:ai|ei)n(?![aeiouy])|[iy]n(?![aeiouny])|[iy]m(?=[bp])|un(?![aeiou])", "I"),
    (r"[ae]n(?![aeiouny])|[ae]m(?=[bp])", "A"),
    (r"on(?![aeiouny])|om(?=[bp])", "O"),
    (r"ai|ei|er$|ez$|et$", "e"),
    (r"(?<=[aeiouy])s(?=[aeiouy])", "z"),
    (r"c|k", "k"),
    (r"x", "ks"),
    (r"y", "i"),
    (r"w", "v"),
    (r"h", ""),
))
_PLURAL = re.compile(r"(?<=.{3})(?:s|x)$")
_SILENT_END = re.compile(r"(?<=.{2})(?:e|t|d)$")
_DOUBLE = re.compile(r"(.)\1+")
_HARD_S = "5"
"""Stands for "ss" while the rules run, so that it stays unvoiced between vowels ("passeport")."""


def phonetic_key(word: str) -> str:
    """How ``word`` sounds, as a short key: ``"électeurs"`` -> ``"elektEr"``, ``"grippe"`` -> ``"grip"``."""
    key = _PLURAL.sub("", fold(word).replace(" ", ""))
    key = _DOUBLE.sub(r"\1", key.replace("ss", _HARD_S))
    for pattern, sound in _RULES:
        key = pattern.sub(sound, key)
    key = _SILENT_END.sub("", key).replace(_HARD_S, "s")
    return _DOUBLE.sub(r"\1", key)


def sounds_alike(a: str, b: str, cutoff: float = 75.0) -> bool:
    """True when the keys of ``a`` and ``b`` are within ``cutoff`` (0-100) of each other."""
    return fuzz.ratio(phonetic_key(a), phonetic_key(b)) >= cutoff
