"""Fitting an utterance's log-mel features to the encoder window, padded the way whisper was trained.

OpenAI whisper computes the log-mel spectrogram of the audio followed by 30 s of digital silence, so the
frames after speech hold the spectrogram's floor (its maximum minus 8 in log10 power, clamped). faster-whisper
instead pads the *features* with zeros, which in whisper's scaled log-mel is a level 4 decades below full
scale, not silence: on a short utterance in a 10 s window most of what the encoder sees is that grey
level. Padding with the floor gives the encoder what it saw in training. Pure functions, no model.
"""

from __future__ import annotations

import numpy as np

FLOOR_BELOW_MAX = 2.0
"""whisper scales log10 power as (x + 4) / 4 after clamping x at its maximum - 8: the floor is 2 below the max."""


def silence_level(mel: np.ndarray) -> float:
    """The value whisper's own padding (digital silence) would have in these scaled log-mel features."""
    return float(mel.max()) - FLOOR_BELOW_MAX if mel.size else 0.0


def fit_window(mel: np.ndarray, frames: int, *, silence: bool) -> np.ndarray:
    """Trim or pad ``mel`` (n_mels x time) to ``frames``; pad with the silence floor or, if not ``silence``, 0."""
    if mel.shape[-1] >= frames:
        return mel[..., :frames]
    value = silence_level(mel) if silence else 0.0
    return np.pad(mel, [(0, 0)] * (mel.ndim - 1) + [(0, frames - mel.shape[-1])], constant_values=value)
