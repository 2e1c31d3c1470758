"""Spoken forms written the way the knowledge base writes them, before matching.

A recogniser writes what it hears: "deux mille dix", "c c a s", "H.L.M.". The knowledge base says "2010",
"CCAS", "HLM". Numbers go through ``text2num`` (a maintained parser for French and English number words);
letters spelled one by one are joined into the acronym. Only runs of three letters or more are joined: two
single letters are common in plain French ("il y a", "j y vais") and would turn into nonsense words.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

_SPELLED = re.compile(r"(?<![\w'’])(?:[A-Za-z][ .\-]+){2,}[A-Za-z](?![\w'’])\.?")


def join_spelled(text: str) -> str:
    """``"le c c a s"`` -> ``"le ccas"``; ``"H.L.M."`` -> ``"hlm"``; ``"il y a"`` is left alone."""
    return _SPELLED.sub(lambda m: "".join(c for c in m.group(0) if c.isalpha()).lower(), text)


def spoken_form(text: str, lang: str) -> str:
    """Digits for number words (``"deux mille dix"`` -> ``"2010"``) and joined spelled acronyms."""
    joined = join_spelled(text)
    try:
        return str(alpha2digit(joined, "en" if lang == "en" else "fr"))
    except (ValueError, IndexError):  # the parser is strict on odd sequences; the words are still usable
        return joined
