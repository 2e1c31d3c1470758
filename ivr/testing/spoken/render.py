"""A rendering's audio as the bot hears it: voice, then telephone conditions (cached outside git)."""

from __future__ import annotations

from pathlib import Path

from ivr.testing.spoken.channel import telephone, trunk_ulaw
from ivr.testing.spoken.corpus import Rendering
from ivr.testing.spoken.voices import cached, synthesize

LEAD_S = 0.3
"""Silence before and after the words, as a caller's pause (whisper is fed the whole segment)."""


def _clean(r: Rendering, root: Path | None) -> bytes:
    key = f"clean\t{r.voice.name}\t{r.speed_wpm}\t{r.pitch}\t{r.question.text}"
    return cached(key, lambda: synthesize(r.question.text, r.voice, r.speed_wpm, r.pitch), root)


def _padded(pcm: bytes) -> bytes:
    pad = b"\x00\x00" * int(16000 * LEAD_S)
    return pad + pcm + pad


def heard(r: Rendering, root: Path | None = None) -> bytes:
    """PCM16 16 kHz after the trunk: what the recogniser gets."""
    key = f"heard\t{r.voice.name}\t{r.speed_wpm}\t{r.pitch}\t{r.condition}\t{r.question.text}"
    return cached(key, lambda: telephone(_padded(_clean(r, root)), r.condition), root)


def ulaw_file(r: Rendering, root: Path) -> Path:
    """Raw 8 kHz µ-law of the rendering (level and noise applied; the call does the codec), for SIPp."""
    path = root / f"{r.question.key:016x}-{r.voice.name}.ulaw"
    if not path.is_file():
        path.write_bytes(trunk_ulaw(_padded(_clean(r, None)), r.condition))
    return path
