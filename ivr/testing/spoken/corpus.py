"""The spoken evaluation set: labelled questions, a fixed tune/test split, and who speaks each one.

The questions live in ``bench/data/spoken_{fr,en}.tsv`` (``lang<TAB>expected<TAB>text``, ``expected`` an
intent id, ``OOS`` for questions the bot must not answer). They were written for this set, not taken from the
knowledge base. The split is a stable hash of the text, so adding a question never moves another one from
tune to test: settings are chosen on ``tune`` and ``test`` is read once, at the end.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from ivr.errors import KnowledgeError
from ivr.testing.spoken.channel import Condition, draw_condition
from ivr.testing.spoken.voices import VOICES, Voice

TUNE_SHARE = 0.6
"""Share of the questions in the tune split (the rest is test)."""
OOS = "OOS"


@dataclass(frozen=True, slots=True)
class Question:
    """One labelled citizen question."""

    lang: str
    expected: str
    text: str

    @property
    def key(self) -> int:
        """A stable 64-bit hash of the language and text (split, voice and condition derive from it)."""
        return int.from_bytes(hashlib.sha1(f"{self.lang}\t{self.text}".encode()).digest()[:8], "big")

    @property
    def split(self) -> str:
        """``tune`` or ``test``, fixed by the text alone."""
        return "tune" if (self.key % 1000) < TUNE_SHARE * 1000 else "test"


@dataclass(frozen=True, slots=True)
class Rendering:
    """One question as one voice says it, at one speed and pitch, through one telephone condition."""

    question: Question
    voice: Voice
    speed_wpm: int
    pitch: int
    condition: Condition

    @property
    def label(self) -> str:
        """Human-readable description for reports."""
        return f"{self.voice.name} {self.speed_wpm}wpm p{self.pitch} {self.condition.label}"


def read_questions(path: Path) -> list[Question]:
    """The rows of a ``lang<TAB>expected<TAB>text`` file (header and ``#`` lines skipped)."""
    out: list[Question] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise KnowledgeError(f"{path}:{n}: expected lang<TAB>expected<TAB>text")
        out.append(Question(parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return out


def renderings(questions: list[Question], per_question: int = 2,
               voices: tuple[Voice, ...] = VOICES) -> list[Rendering]:
    """``per_question`` renderings of each question by distinct voices of its language, balanced over voices.

    Voice, speed, pitch and telephone condition are pure functions of the question's text and the rendering's
    rank, so the same set always sounds the same.
    """
    out: list[Rendering] = []
    for lang in sorted({q.lang for q in questions}):
        pool = [v for v in voices if v.lang == lang]
        if not pool:
            raise KnowledgeError(f"no test voice for language {lang!r}")
        mine = sorted((q for q in questions if q.lang == lang), key=lambda q: q.key)
        for i, q in enumerate(mine):
            for k in range(min(per_question, len(pool))):
                voice = pool[(i + k * (len(pool) // 2 + 1)) % len(pool)]
                rng = random.Random(q.key * 31 + k)
                out.append(Rendering(q, voice, speed_wpm=rng.choice(voice.speeds), pitch=rng.choice(voice.pitches),
                                     condition=draw_condition(q.key * 31 + k)))
    return out
