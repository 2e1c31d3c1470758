"""The encoder window padded with whisper's silence floor (``ivr.asr.padding``), checked against a real log-mel."""

from __future__ import annotations

import numpy as np
import pytest

from ivr.asr.padding import fit_window, silence_level


def _whisper_scaled_log_mel(power: np.ndarray) -> np.ndarray:
    """Whisper's scaling of a mel power spectrogram (clamp 8 decades below the max, then (x + 4) / 4)."""
    log = np.log10(np.clip(power, 1e-10, None))
    return (np.maximum(log, log.max() - 8.0) + 4.0) / 4.0


def test_padding_equals_the_features_of_digital_silence() -> None:
    rng = np.random.default_rng(7)
    speech = rng.uniform(1e-3, 10.0, size=(80, 50))
    with_silence = _whisper_scaled_log_mel(np.concatenate([speech, np.zeros((80, 30))], axis=1))
    padded = fit_window(_whisper_scaled_log_mel(speech), 80, silence=True)
    assert padded.shape == (80, 80)
    assert np.allclose(padded, with_silence)


def test_zero_padding_is_faster_whispers_behaviour() -> None:
    mel = np.full((2, 3), 0.7)
    out = fit_window(mel, 5, silence=False)
    assert np.array_equal(out[:, 3:], np.zeros((2, 2)))
    assert silence_level(mel) == pytest.approx(-1.3)


def test_longer_features_are_trimmed_whatever_the_padding() -> None:
    mel = np.arange(12, dtype=float).reshape(2, 6)
    assert np.array_equal(fit_window(mel, 4, silence=True), mel[:, :4])
    assert np.array_equal(fit_window(mel, 6, silence=True), mel)
