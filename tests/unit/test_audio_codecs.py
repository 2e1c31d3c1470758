"""µ-law and endianness conversions at the telephony edge."""

from __future__ import annotations

import numpy as np

from ivr.audio.codecs import pcm16_to_ulaw, swap_endianness, ulaw_to_pcm16


def test_ulaw_reference_points() -> None:
    # G.711 table: 0xFF and 0x7F are the two zeros, 0x00 / 0x80 the extremes.
    decoded = np.frombuffer(ulaw_to_pcm16(bytes([0xFF, 0x7F, 0x00, 0x80, 0xF0])), dtype="<i2")
    assert decoded.tolist() == [0, 0, -32124, 32124, 120]


def test_ulaw_encode_is_inverse_of_decode_on_every_code() -> None:
    codes = bytes(c for c in range(256) if c != 0x7F)  # 0x7F (-0) encodes back as 0xFF (+0)
    assert pcm16_to_ulaw(ulaw_to_pcm16(codes)) == codes


def test_ulaw_round_trip_error_is_small_relative_to_level() -> None:
    t = np.arange(8000) / 8000
    x = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2")
    y = np.frombuffer(ulaw_to_pcm16(pcm16_to_ulaw(x.tobytes())), dtype="<i2").astype(np.float64)
    err = np.abs(y - x)
    assert err.max() <= 12000 * 0.035
    snr = 10 * np.log10(np.mean(x.astype(np.float64) ** 2) / np.mean(err**2))
    assert snr > 30


def test_ulaw_saturates_at_full_scale() -> None:
    extremes = np.array([32767, -32768], dtype="<i2").tobytes()
    assert pcm16_to_ulaw(extremes) == bytes([0x80, 0x00])


def test_swap_endianness() -> None:
    be = np.array([1, -2, 300], dtype=">i2").tobytes()
    assert np.frombuffer(swap_endianness(be), dtype="<i2").tolist() == [1, -2, 300]
    assert swap_endianness(swap_endianness(be)) == be
