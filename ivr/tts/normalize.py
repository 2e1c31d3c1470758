"""Text normalisation for the ear: what a written answer must become before a synthesiser reads it aloud.

Pure functions, idempotent (normalising twice gives the same text), so the cache can key on the result.
French first: times ("8 h 30" -> "8 heures 30"), euros, "n°", civilities, acronyms spelled letter by
letter ("CCAS" -> "C C A S"), French phone numbers read in pairs, "1er" -> "premier", URLs removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S+?(?=[.,;:!?)]*(?:\s|$))", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\d+])(0\d)(?:[ .\u00a0-]?(\d\d)){4}(?![\d])")
_PHONE_INTL = re.compile(r"(?<![\d])\+33[ .\u00a0]?\(?0?\)?[ .\u00a0]?([1-9])((?:[ .\u00a0-]?\d\d){4})(?!\d)")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_ACRONYM = re.compile(r"\b([A-Z]{2,5})s?\b(?![\w'’-])")
_EURO_CENTS = re.compile(r"(\d+),(\d{2})\s*€")
_EURO = re.compile(r"(\d+)\s*€")
_TIME_HM = re.compile(r"\b(\d{1,2})\s?[hH]\s?(\d{2})\b")
_TIME_H = re.compile(r"\b(\d{1,2})\s?[hH]\b")
_DANGLING = re.compile(r"\s+([,.])(?!\d)")

_FR_DIGITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# Acronyms that are said as words, not spelled.
_SAID_AS_WORDS = frozenset({"CAF", "SAMU", "PACS", "SMIC", "ZAC", "UNESCO", "ONU", "OK"})

_FR_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\b[nN]°\s*", "numéro "),
        (r"\bMM\.\s", "messieurs "),
        (r"\bM\.\s(?=[A-ZÀ-Ý])", "monsieur "),
        (r"\bMmes\b\.?", "mesdames"),
        (r"\bMme\b\.?", "madame"),
        (r"\bMlle\b\.?", "mademoiselle"),
        (r"\b1er\b", "premier"),
        (r"\b1(?:re|ère)\b", "première"),
        (r"\bRDV\b", "rendez-vous"),
        (r"\b[tT]él\.\s*", "téléphone "),
        (r"\bbd\b\.?", "boulevard"),
        (r"\bav\.\s", "avenue "),
        (r"\betc\.", "et cetera."),
        (r"\s*%", " pour cent"),
        (r"\s&\s", " et "),
        (r"€", " euros"),
    )
)

_EN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\b[nN](?:°|o\.)\s*(?=\d)", "number "),
        (r"\bMr\.?\s", "mister "),
        (r"\bMrs\.?\s", "missus "),
        (r"\bMs\.?\s", "miz "),
        (r"\bDr\.?\s", "doctor "),
        (r"\s*%", " percent"),
        (r"\s&\s", " and "),
        (r"€", " euros"),
    )
)


def _pairs_fr(pair: str) -> str:
    if pair[0] == "0":
        return f"zéro {_FR_DIGITS[int(pair[1])]}"
    return str(int(pair))


def _pairs_en(pair: str) -> str:
    return f"{_EN_DIGITS[int(pair[0])]} {_EN_DIGITS[int(pair[1])]}"


def _read_phone(match: re.Match[str], say_pair: Callable[[str], str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    return ", ".join(say_pair(p) for p in pairs)


def _intl_to_national(match: re.Match[str]) -> str:
    return "0" + match.group(1) + re.sub(r"\D", "", match.group(2))


def _spell(match: re.Match[str]) -> str:
    word = match.group(1)
    if word in _SAID_AS_WORDS:
        return match.group(0)
    spelled = " ".join(word)
    return spelled if match.group(0) == word else spelled + " "  # a plural "s" is silent


def _cleanup(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _DANGLING.sub(r"\1", text)
    text = re.sub(r"([,.;:!?])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return _SPACES.sub(" ", text).strip(" ,;:")


def normalize_fr(text: str) -> str:
    """French text for the ear."""
    text = _URL.sub("", text)
    text = _EMAIL.sub("", text)
    text = text.replace("’", "'")
    text = _PHONE_INTL.sub(_intl_to_national, text)
    text = _PHONE.sub(lambda m: _read_phone(m, _pairs_fr), text)
    text = _EURO_CENTS.sub(r"\1 euros \2", text)
    text = _EURO.sub(lambda m: f"{m.group(1)} euro" + ("" if m.group(1) in ("0", "1") else "s"), text)
    text = _TIME_HM.sub(lambda m: f"{m.group(1)} {_hour_word_fr(m.group(1))} {m.group(2)}", text)
    text = _TIME_H.sub(lambda m: f"{m.group(1)} {_hour_word_fr(m.group(1))}", text)
    for pattern, repl in _FR_WORDS:
        text = pattern.sub(repl, text)
    text = _ACRONYM.sub(_spell, text)
    return _cleanup(text)


def _hour_word_fr(hours: str) -> str:
    return "heure" if int(hours) in (0, 1) else "heures"


def normalize_en(text: str) -> str:
    """English text for the ear (a minimal set of rules)."""
    text = _URL.sub("", text)
    text = _EMAIL.sub("", text)
    text = text.replace("’", "'")
    text = _PHONE_INTL.sub(_intl_to_national, text)
    text = _PHONE.sub(lambda m: _read_phone(m, _pairs_en), text)
    text = _EURO_CENTS.sub(r"\1 euros \2", text)
    text = _EURO.sub(lambda m: f"{m.group(1)} euro" + ("" if m.group(1) == "1" else "s"), text)
    text = _TIME_HM.sub(r"\1:\2", text)
    for pattern, repl in _EN_WORDS:
        text = pattern.sub(repl, text)
    text = _ACRONYM.sub(_spell, text)
    return _cleanup(text)


def normalize_for_speech(text: str, lang: str) -> str:
    """Normalise ``text`` for ``lang`` (``"fr"`` or ``"en"``; anything else is treated as French)."""
    return normalize_en(text) if lang == "en" else normalize_fr(text)
