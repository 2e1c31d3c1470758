"""Whisper's repetition loops, caught on the text after one bounded batched decode.

On short encoder windows whisper sometimes repeats a phrase until its length cap ("Merci Merci Merci",
"Première lettre du prénom … Première lettre du prénom …"), and may be cut mid-repeat, so an exact
periodic test misses it (LAB-NOTES §7). Re-decoding with faster-whisper's sequential loop took 4–7 s
per utterance (issue 9), so a live call never does that: the text is trimmed to its first occurrence of
the repeated run, or rejected when it is still longer than speech can be. Pure functions, no model.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Literal

_WORD = re.compile(r"\w+")

WORDS_PER_SECOND = 4.0
"""Fast French speech is ≈3.5 words/s; more than 4/s (+ the slack below) is not speech (LAB-NOTES §7)."""
WORDS_SLACK = 3
RUN_WORDS = 5
"""A run of 5 words said twice in one utterance is a loop; shorter runs repeat in real speech."""
COMPRESSION_LIMIT = 2.4
"""faster-whisper's own threshold on gzip compression ratio for looping output."""

LoopKind = Literal["none", "repeat", "run", "rate", "compression"]


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A transcript after the loop check: ``text`` is what the dialog gets (maybe trimmed, maybe empty)."""

    text: str
    loop: LoopKind
    trimmed: bool
    """True when words were cut off (``text`` is the first occurrence of the looping part)."""


def max_words(audio_s: float) -> int:
    """The most words a person can say in ``audio_s`` seconds (with slack for very short utterances)."""
    return int(WORDS_PER_SECOND * max(audio_s, 0.0)) + WORDS_SLACK


def max_tokens(audio_s: float) -> int:
    """A generation cap tied to the audio length: ≈3 tokens per word in French BPE, plus room."""
    return 3 * max_words(audio_s) + 8


def periodic_prefix(words: list[str]) -> int | None:
    """Length of the unit when the words are that unit repeated (the last copy may be cut short)."""
    n = len(words)
    for period in range(1, n // 2 + 1):
        if all(words[i] == words[i - period] for i in range(period, n)):
            return period
    return None


def repeated_run(words: list[str], size: int = RUN_WORDS) -> int | None:
    """Index where a ``size``-word run already seen starts again (words before it are kept), or None."""
    seen: set[tuple[str, ...]] = set()
    for i in range(len(words) - size + 1):
        run = tuple(words[i : i + size])
        if run in seen:
            return i  # everything before is the first copy (and what came before it)
        seen.add(run)
    return None


def clean(text: str, audio_s: float) -> Cleaned:
    """Trim or reject a looping transcript of ``audio_s`` seconds of audio."""
    spans = [m.span() for m in _WORD.finditer(text)]
    words = [text[a:b].lower() for a, b in spans]
    if len(words) >= 2 and (period := periodic_prefix(words)) is not None:
        return _cut(text, spans, period, "repeat")
    if (at := repeated_run(words)) is not None:
        return _within_rate(_cut(text, spans, at, "run"), audio_s)
    data = text.encode("utf-8")
    if len(data) > 40 and len(data) / len(zlib.compress(data)) > COMPRESSION_LIMIT:
        return Cleaned("", "compression", True)
    return _within_rate(Cleaned(text.strip(), "none", False), audio_s)


def _cut(text: str, spans: list[tuple[int, int]], keep_words: int, kind: LoopKind) -> Cleaned:
    end = spans[keep_words][0] if keep_words < len(spans) else len(text)  # keeps the copy's punctuation
    return Cleaned(text[:end].strip(), kind, True)


def spoken_words(text: str) -> int:
    """Words as said: ``qu'il`` or ``est-ce`` is one (counting word-character runs made fast French look looped)."""
    return sum(1 for token in text.split() if _WORD.search(token))


def _within_rate(c: Cleaned, audio_s: float) -> Cleaned:
    if spoken_words(c.text) > max_words(audio_s):
        return Cleaned("", "rate" if c.loop == "none" else c.loop, True)
    return c
