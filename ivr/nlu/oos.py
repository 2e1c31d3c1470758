"""Known out-of-scope questions: a pseudo-intent in the index, so that "les horaires de la poste" abstains.

A question near the city hall's words ("horaires", "carte", "facture") can score as high as a real request
on the intent it resembles. Written examples of what the city does not handle (``data/oos.txt``) are indexed
as one more class; when that class ranks first the matcher abstains. ``ivr kb calibrate`` cross-validates
them like the knowledge utterances, so each one is judged by an index that does not contain it.
"""

from __future__ import annotations

from pathlib import Path

OOS_FILE = Path(__file__).with_name("data") / "oos.txt"
OUT_OF_SCOPE = "_out_of_scope"
"""The pseudo-intent id; never a decision, never shown to the dialog."""


def load_oos(path: Path = OOS_FILE) -> list[tuple[str, str]]:
    """(lang, text) out-of-scope questions."""
    out: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, _, text = line.partition("\t")
            out.append((lang.strip(), text.strip()))
    return out
