"""Word error rate on the Debian Asterisk prompts (used by tests and ``bench/asr_wer.py``).

Needs the dev extras ``jiwer`` and ``num2words`` and the Debian packages ``asterisk-core-sounds-{fr,en}``
(audio in ``-wav``, transcripts in the doc of the meta package).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from pathlib import Path

SOUNDS_DIR = Path("/usr/share/asterisk/sounds")
DOC_DIR = Path("/usr/share/doc")

_NUMBER = re.compile(r"\d+")
_EZ = re.compile(r"(?<=\w)(?:ez|er|ées|és|ée|é)\b")


def transcripts_file(lang: str) -> Path:
    """Return the Debian transcript list for ``lang`` (``fr`` or ``en``)."""
    return DOC_DIR / f"asterisk-core-sounds-{lang}" / f"core-sounds-{lang}.txt.gz"


def load_prompts(lang: str) -> dict[str, str]:
    """Read ``name: text`` lines, skipping comments, tones ``[...]`` and sound effects ``(...)``."""
    prompts: dict[str, str] = {}
    with gzip.open(transcripts_file(lang), "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith(";") or ": " not in line:
                continue
            name, text = (part.strip() for part in line.split(": ", 1))
            if not text or text[0] in "[(":
                continue
            if (SOUNDS_DIR / lang / f"{name}.wav").is_file():
                prompts[name] = text
    return prompts


def prompt_wav(lang: str, name: str) -> Path:
    """Return the 8 kHz wav recording of a prompt."""
    return SOUNDS_DIR / lang / f"{name}.wav"


def normalize(text: str, lang: str, fold_ez: bool = False) -> str:
    """Lower-case, spell numbers out, drop punctuation.

    ``fold_ez`` (lenient French score) maps the homophone endings -ez, -er, -é(e)(s) to one form: whisper
    hears "composez", "composer" and "composé" alike and the reference transcripts mix them up too.
    """
    import jiwer
    from num2words import num2words  # untyped (mypy override in pyproject)

    text = _NUMBER.sub(lambda m: " " + num2words(int(m.group()), lang=lang) + " ", text.lower())
    text = re.sub(r"[’'\-]", " ", text)
    transforms = [jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip()]  # type: ignore[no-untyped-call]  # unannotated
    pipeline = jiwer.Compose(transforms)
    out = str(pipeline(text)).replace("-", " ")
    if fold_ez and lang == "fr":
        out = _EZ.sub("er", out)
    return " ".join(out.split())


def word_error_rate(refs: Sequence[str], hyps: Sequence[str], lang: str, fold_ez: bool = False) -> float:
    """Corpus WER after :func:`normalize` (empty hypotheses count as deletions)."""
    import jiwer

    r = [normalize(t, lang, fold_ez) for t in refs]
    h = [normalize(t, lang, fold_ez) for t in hyps]
    keep = [i for i, t in enumerate(r) if t]
    return float(jiwer.wer([r[i] for i in keep], [h[i] or "" for i in keep]))
