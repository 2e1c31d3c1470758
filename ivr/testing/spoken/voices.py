"""Voices that are not the bot's own (the bot speaks SVOX Pico), and rendering with them, cached.

espeak-ng is the phonetic front end of the MBROLA diphone voices (Debian non-free, installed for benchmarks
only by ``scripts/install-test-voices.sh``; never shipped). espeak-ng's own formant voice is not in the
default list: whisper loops on it (LAB-NOTES §7: > 100 % WER), which would measure whisper's hallucinations,
not the bot's understanding.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ivr.audio.wav import read_wav, write_wav
from ivr.errors import AudioError

RENDER_VERSION = 1
"""Bump when rendering or channel code changes, so cached audio is rebuilt."""


@dataclass(frozen=True, slots=True)
class Voice:
    """One espeak-ng voice (``mb-fr1``: espeak-ng phonemes spoken by MBROLA fr1)."""

    name: str
    lang: str
    speeds: tuple[int, ...] = (135, 150, 165, 180)
    """Words per minute (espeak-ng ``-s``); 175 is espeak-ng's default pace."""
    pitches: tuple[int, ...] = (35, 50, 65)
    """espeak-ng ``-p`` (0-99, 50 is the voice's own)."""


VOICES: tuple[Voice, ...] = (
    Voice("mb-fr1", "fr"), Voice("mb-fr2", "fr"), Voice("mb-fr3", "fr"), Voice("mb-fr4", "fr"),
    Voice("mb-fr5", "fr"), Voice("mb-fr6", "fr"), Voice("mb-fr7", "fr"),
    Voice("mb-us1", "en"), Voice("mb-us2", "en"), Voice("mb-us3", "en"), Voice("mb-en1", "en"),
)
PLAIN_VOICES: tuple[Voice, ...] = (Voice("fr", "fr"), Voice("en-us", "en"))
"""espeak-ng's formant voices, only on request (``--voices fr,en-us``)."""
INSTALL_HINT = "bash scripts/install-test-voices.sh (as root; MBROLA voices, bench only)"


def cache_dir() -> Path:
    """Where rendered audio is kept (outside git): ``$IVR_CACHE_DIR/spoken`` or ``~/.cache/ivr/spoken``."""
    root = Path(os.environ.get("IVR_CACHE_DIR") or Path.home() / ".cache" / "ivr")
    return root / "spoken"


def synthesize(text: str, voice: Voice, speed_wpm: int, pitch: int) -> bytes:
    """Speak ``text`` with espeak-ng (+ MBROLA) and return PCM16 16 kHz."""
    with tempfile.TemporaryDirectory(prefix="ivr-voice-") as tmp:
        out = Path(tmp) / "v.wav"
        cmd = ["espeak-ng", "-v", voice.name, "-s", str(speed_wpm), "-p", str(pitch), "-w", str(out), "--", text]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AudioError(f"espeak-ng failed for {voice.name}: {exc}; install espeak-ng") from exc
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size < 1000:
            hint = INSTALL_HINT if voice.name.startswith("mb-") else "install espeak-ng"
            raise AudioError(f"espeak-ng -v {voice.name} produced no audio ({proc.stderr.strip()[:200]}); {hint}")
        return read_wav(out)


def cached(key: str, make: Callable[[], bytes], root: Path | None = None) -> bytes:
    """PCM16 16 kHz for ``key`` from the cache, made (and stored atomically) when missing."""
    digest = hashlib.sha1(f"{RENDER_VERSION}\t{key}".encode()).hexdigest()
    path = (root or cache_dir()) / digest[:2] / f"{digest}.wav"
    if path.is_file():
        return read_wav(path)
    pcm = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    write_wav(tmp, pcm)
    os.replace(tmp, path)
    return pcm
