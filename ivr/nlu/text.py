"""Text normalisation shared by the linter and the matcher (case, accents, punctuation)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:fr|com|org|net|gouv|example)\b(?:/\S*)?")
_FACT = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Lower case, no accents, punctuation turned into single spaces: ``"Où ça ?" -> "ou ca"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_WORD.sub(" ", stripped).strip()


def fold_tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()


def count_words(text: str) -> int:
    """Words as they would be spoken (digits groups count as words)."""
    return len(_WORD.findall(text))


def find_urls(text: str) -> list[str]:
    """Web addresses in ``text`` (to keep them out of spoken answers)."""
    return [u.rstrip(".,;:!?)") for u in _URL.findall(text)]


def fact_names(text: str) -> list[str]:
    """The ``{{fact}}`` references in ``text``."""
    return _FACT.findall(text)


def substitute_facts(text: str, values: dict[str, str]) -> str:
    """Replace every ``{{fact}}`` whose name is in ``values`` (others are left as they are)."""
    return _FACT.sub(lambda m: values.get(m.group(1), m.group(0)), text)
