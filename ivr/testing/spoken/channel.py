"""Telephone conditions applied to a clean rendering, deterministically (one seed per rendering).

A question spoken by a synthetic voice is too clean to stand for a caller: the trunk carries 8 kHz G.711,
phones are loud or faint, callers stand in the street. ``telephone`` reproduces that path on PCM16 audio
(16 kHz in, 16 kHz out, as the bot hears it after Asterisk's transcoding) so that the evaluation set
measures recognition under the conditions the bot meets, and the same seed always gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ivr.audio.codecs import alaw_to_pcm16, pcm16_to_alaw, pcm16_to_ulaw, ulaw_to_pcm16
from ivr.audio.frame import INTERNAL_RATE
from ivr.audio.resample import resample
from ivr.errors import AudioError

TRUNK_RATE = 8000
CODECS = ("ulaw", "alaw")
LEVELS_DB = (-14.0, -6.0, 0.0, 5.0)
"""Gain after normalising speech to -20 dBFS RMS: a faint handset to a hot one (peaks clip at +5)."""
NOISES = ("none", "none", "street", "babble")
"""Half the renderings are quiet; the others carry street rumble or a café's babble."""
SNRS_DB = (25.0, 15.0)
"""Signal-to-noise on the trunk. A first version at 20/12 dB measured 82 % WER on babble at 12 dB against 19 % on
quiet renderings (whisper base, 190 tune questions): it measured the noise, not the bot. A mobile phone's own
noise suppression leaves roughly 15-25 dB on the trunk."""
REFERENCE_DBFS = -20.0


@dataclass(frozen=True, slots=True)
class Condition:
    """How one rendering travels: codec, level, background noise and its signal-to-noise ratio."""

    codec: str
    level_db: float
    noise: str
    snr_db: float
    seed: int

    @property
    def label(self) -> str:
        """Short name for reports (``ulaw-6dB-street12``)."""
        noise = "" if self.noise == "none" else f"-{self.noise}{self.snr_db:g}"
        return f"{self.codec}{self.level_db:+g}dB{noise}"


def draw_condition(seed: int) -> Condition:
    """The condition of one rendering, a pure function of its seed."""
    rng = random.Random(seed)
    noise = rng.choice(NOISES)
    return Condition(codec=rng.choice(CODECS), level_db=rng.choice(LEVELS_DB), noise=noise,
                     snr_db=rng.choice(SNRS_DB) if noise != "none" else 0.0, seed=seed)


def _noise(kind: str, n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Unit-RMS background noise: ``street`` is low-frequency rumble, ``babble`` is amplitude-modulated speech band."""
    white = rng.standard_normal(n + 64)
    if kind == "street":  # brown-ish: integrated white noise, high-passed so it does not drift
        x = np.cumsum(white)
        x = x - np.convolve(x, np.ones(64) / 64, mode="same")
    else:  # babble: 300-3000 Hz band, syllable-rate (4 Hz) envelope
        spec = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(len(white), 1 / TRUNK_RATE)
        spec[(freqs < 300) | (freqs > 3000)] = 0
        x = np.fft.irfft(spec, len(white))
        t = np.arange(len(x)) / TRUNK_RATE
        x = x * (1.2 + np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6.28)))
    x = x[:n]
    rms = float(np.sqrt(np.mean(x * x))) or 1.0
    return np.asarray(x / rms, dtype=np.float64)


def _on_trunk(pcm16k: bytes, cond: Condition) -> bytes:
    """8 kHz PCM16 as the caller's side puts it on the trunk: level, then background noise."""
    if len(pcm16k) < 2:
        raise AudioError("telephone: empty audio")
    narrow = np.frombuffer(resample(pcm16k, INTERNAL_RATE, TRUNK_RATE), dtype="<i2").astype(np.float64)
    rms = float(np.sqrt(np.mean(narrow * narrow)))
    if rms < 1.0:
        raise AudioError("telephone: silent audio")
    speech = narrow * (10 ** ((REFERENCE_DBFS + cond.level_db) / 20) * 32768 / rms)
    if cond.noise != "none":
        rng = np.random.default_rng(cond.seed)
        speech_rms = float(np.sqrt(np.mean(speech * speech)))
        speech = speech + _noise(cond.noise, len(speech), rng) * speech_rms * 10 ** (-cond.snr_db / 20)
    out: bytes = np.clip(np.round(speech), -32768, 32767).astype("<i2").tobytes()
    return out


def telephone(pcm16k: bytes, cond: Condition) -> bytes:
    """PCM16 16 kHz speech -> 8 kHz trunk (level, noise, G.711 round trip) -> PCM16 16 kHz."""
    wire = _on_trunk(pcm16k, cond)
    decoded = ulaw_to_pcm16(pcm16_to_ulaw(wire)) if cond.codec == "ulaw" else alaw_to_pcm16(pcm16_to_alaw(wire))
    return resample(decoded, TRUNK_RATE, INTERNAL_RATE)


def trunk_ulaw(pcm16k: bytes, cond: Condition) -> bytes:
    """Raw 8 kHz µ-law for a SIP caller that streams a file (SIPp): the real trunk does the G.711 step."""
    return pcm16_to_ulaw(_on_trunk(pcm16k, cond))
