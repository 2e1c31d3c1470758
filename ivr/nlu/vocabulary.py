"""City-specific words to bias speech recognition (e.g. as whisper's initial prompt)."""

from __future__ import annotations

import re
from collections import Counter

from ivr.nlu.model import KnowledgeBase
from ivr.nlu.text import fold

_PLACE = re.compile(
    r"\b(?:rue|place|avenue|allée|boulevard|route|mail|quartier|zone artisanale|square|impasse|chemin|quai)"
    r"\s+(?:de la |de l'|des |du |de |d')?[A-ZÉÈÀÂÎÔÛ][\w'’-]*(?:\s+(?:de |du |des )?[A-ZÉÈÀÂÎÔÛ][\w'’-]*)*"
)
_PROPER = re.compile(
    r"\b[A-ZÉÈÀÂÎÔÛ][a-zéèêëàâîïôûüç]+(?:(?:[ -]|\s(?:de|du|des|de la)\s)[A-ZÉÈÀÂÎÔÛ][a-zéèêëàâîïôûüç]+)*"
)
_COMMON_CAPS = frozenset({"La", "Le", "Les", "Pour", "Elle", "Il", "Vous", "Nous", "On", "Un", "Une", "En",
                          "Au", "Aux", "Du", "De", "Des", "Sur", "Dans", "Avec", "Sauf", "Comptez", "Ce",
                          "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                          "Saturday", "Sunday", "The", "During", "Every", "Allow", "April", "October"})


def vocabulary(kb: KnowledgeBase, *, lang: str = "fr", limit: int = 120) -> list[str]:
    """Service names, places and names from the facts, then words typical of one intent (most used first)."""
    out: list[str] = []
    seen: set[str] = set()

    def add(word: str) -> None:
        key = fold(word)
        if key and key not in seen and len(out) < limit:
            seen.add(key)
            out.append(word.strip())

    for service in kb.services.values():
        add(service.name.get(lang) or next(iter(service.name.values()), service.id))
    for values in kb.facts.values():
        text = values.get(lang, "")
        for m in _PLACE.finditer(text):
            add(m.group(0))
        for m in _PROPER.finditer(text):
            name = m.group(0)
            if name not in _COMMON_CAPS and not any(name in earlier for earlier in out):
                add(name)
    # words that belong to a single intent, weighted by how often callers use them
    owners: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for intent in kb.intents.values():
        for text in intent.utterances.get(lang, ()):
            for raw in re.findall(r"[\w'’-]+", text.lower()):
                word = raw.strip("'’-")
                key = fold(word)
                if len(key) < 6 or not key.isalpha():
                    continue
                owners.setdefault(key, set()).add(intent.id)
                counts[key] += 1
                if not word.isascii() or key not in surface:
                    surface[key] = word
    for key, _ in counts.most_common():
        if len(owners[key]) == 1:
            add(surface[key])
    return out


def recognition_prompt(kb: KnowledgeBase, lang: str, entries: int) -> str | None:
    """The city vocabulary given to the recogniser as its prompt (``asr.prompt_entries``; 0 = no prompt)."""
    if entries <= 0:
        return None
    return ", ".join(vocabulary(kb, lang=lang, limit=entries)) + "."
