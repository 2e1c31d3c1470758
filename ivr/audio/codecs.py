"""Telephony wire formats converted at the edge: G.711 µ-law and big-endian slin <-> PCM16 little-endian."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_BIAS = 0x84
_CLIP14 = 8159
_BIAS14 = 0x21


def _build_decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_ULAW_DECODE = _build_decode_table()


def ulaw_to_pcm16(data: bytes) -> bytes:
    """Decode G.711 µ-law bytes (one byte per sample) to PCM16 little-endian."""
    codes = np.frombuffer(data, dtype=np.uint8)
    out: bytes = _ULAW_DECODE[codes].astype("<i2").tobytes()
    return out


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """Encode PCM16 little-endian to G.711 µ-law."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.int32) >> 2  # G.711 works on 14-bit samples
    sign = np.where(x < 0, 0x80, 0)
    mag = np.minimum(np.minimum(np.abs(x), _CLIP14) + _BIAS14, 0x1FFF)
    exponent = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 5, 0, 7)
    mantissa = (mag >> (exponent + 1)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    out: bytes = code.astype(np.uint8).tobytes()
    return out


def swap_endianness(pcm: bytes) -> bytes:
    """Big-endian slin (RTP payload type 10) <-> little-endian PCM16 (the swap is its own inverse)."""
    return np.frombuffer(pcm, dtype="<i2").byteswap().tobytes()


def _build_alaw_decode_table() -> npt.NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


_ALAW_DECODE = _build_alaw_decode_table()


def alaw_to_pcm16(data: bytes) -> bytes:
    """Decode G.711 A-law bytes (PCMA, the European trunks' codec) to PCM16 little-endian."""
    codes = np.frombuffer(data, dtype=np.uint8)
    out: bytes = _ALAW_DECODE[codes].astype("<i2").tobytes()
    return out


def pcm16_to_alaw(pcm: bytes) -> bytes:
    """Encode PCM16 little-endian to G.711 A-law (13-bit segments, even bits inverted)."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.int32) >> 3  # A-law works on 13-bit samples
    sign = np.where(x >= 0, 0x80, 0)
    mag = np.minimum(np.where(x >= 0, x, -x - 1), 0xFFF)
    exponent = np.where(mag < 32, 0, np.floor(np.log2(np.maximum(mag, 1))).astype(np.int32) - 4)
    exponent = np.clip(exponent, 0, 7)
    mantissa = np.where(exponent == 0, mag >> 1, mag >> exponent) & 0x0F
    code = (sign | (exponent << 4) | mantissa) ^ 0x55
    out: bytes = code.astype(np.uint8).tobytes()
    return out
