"""Word error rate on the Debian Asterisk prompts (used by tests and ``bench/asr_wer.py``).

Needs the dev extras ``jiwer`` and ``num2words`` and the Debian packages ``asterisk-core-sounds-{fr,en}``
(audio in ``-wav``, transcripts in the doc of the meta package).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SOUNDS_DIR = Path("/usr/share/asterisk/sounds")
DOC_DIR = Path("/usr/share/doc")
ERRATA_DIR = Path(__file__).resolve().parent / "data"
"""``core_sounds_<lang>_errata.tsv``: spelling mistakes of the Debian transcripts, corrected for scoring."""

_NUMBER = re.compile(r"\d+")
_ORDINAL = re.compile(r"\b(\d+)(?:ème|eme|è|e|ère|re|er|th|st|nd|rd)\b")
"""``30e``, ``2ème``, ``1er``, ``4th``: an ordinal written with digits, spelled out like the cardinals."""
_DIRECTION = re.compile(r"\(\w+\)")
"""A one-word stage direction in the Debian transcripts, e.g. ``Pour (emphase)``: not said, not scored."""
_SYMBOLS = {"fr": {"#": " dièse ", "*": " étoile ", "%": " pour cent "},
            "en": {"#": " pound ", "*": " star ", "%": " percent "}}
"""Key names whisper may write as symbols; spelled out on both sides like digits."""
_EZ = re.compile(r"(?<=\w)(?:ez|er|ées|és|ée|é)\b")


def transcripts_file(lang: str) -> Path:
    """Return the Debian transcript list for ``lang`` (``fr`` or ``en``)."""
    return DOC_DIR / f"asterisk-core-sounds-{lang}" / f"core-sounds-{lang}.txt.gz"


@dataclass(frozen=True, slots=True)
class Erratum:
    """One spelling mistake in a published transcript: ``published`` occurs once in prompt ``name``."""

    name: str
    published: str
    corrected: str


def load_errata(lang: str) -> list[Erratum]:
    """The corrections for ``lang`` (none when the project has no errata file for it)."""
    path = ERRATA_DIR / f"core_sounds_{lang}_errata.tsv"
    if not path.is_file():
        return []
    out: list[Erratum] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(fields):
            raise ValueError(f"{path}:{number}: expected name, as published, corrected (3 fields, tab-separated)")
        out.append(Erratum(*fields))
    return out


def apply_errata(prompts: dict[str, str], errata: Sequence[Erratum]) -> dict[str, str]:
    """``prompts`` with each erratum that still applies corrected (a later package may have fixed it)."""
    fixed = dict(prompts)
    for e in errata:
        text = fixed.get(e.name)
        if text is not None and text.count(e.published) == 1:
            fixed[e.name] = text.replace(e.published, e.corrected)
    return fixed


def load_prompts(lang: str, errata: bool = True) -> dict[str, str]:
    """Read ``name: text`` lines, skipping comments, tones ``[...]`` and sound effects ``(...)``.

    ``errata``: correct the transcripts' known spelling mistakes (``load_errata``); ``False`` scores against
    the transcripts as Debian publishes them.
    """
    prompts: dict[str, str] = {}
    with gzip.open(transcripts_file(lang), "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith(";") or ": " not in line:
                continue
            name, raw = (part.strip() for part in line.split(": ", 1))
            text = reference_text(raw)
            if text and (SOUNDS_DIR / lang / f"{name}.wav").is_file():
                prompts[name] = text
    return apply_errata(prompts, load_errata(lang)) if errata else prompts


def reference_text(raw: str) -> str | None:
    """What a transcript line says aloud, or None for tones ``[...]`` and sound effects ``(...)``.

    One-word stage directions are not speech: ``Pour (emphase)`` -> ``Pour``.
    """
    if not raw or raw[0] in "[(":
        return None
    return " ".join(_DIRECTION.sub(" ", raw).split()) or None


def prompt_wav(lang: str, name: str) -> Path:
    """Return the 8 kHz wav recording of a prompt."""
    return SOUNDS_DIR / lang / f"{name}.wav"


def normalize(text: str, lang: str, fold_ez: bool = False) -> str:
    """Unicode NFC, lower-case, spell numbers, ordinals and key symbols out, drop punctuation; same on both sides.

    ``fold_ez`` (lenient French score) maps the homophone endings -ez, -er, -é(e)(s) to one form: whisper
    hears "composez", "composer" and "composé" alike and the reference transcripts mix them up too.
    """
    import jiwer
    from num2words import num2words  # untyped (mypy override in pyproject)

    text = unicodedata.normalize("NFC", text).lower()
    for symbol, spoken in _SYMBOLS.get(lang, {}).items():
        text = text.replace(symbol, spoken)
    text = _ORDINAL.sub(lambda m: " " + num2words(int(m.group(1)), lang=lang, to="ordinal") + " ", text)
    text = _NUMBER.sub(lambda m: " " + num2words(int(m.group()), lang=lang) + " ", text)
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
