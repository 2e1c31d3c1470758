"""Audio: the one internal format (PCM16 mono, 16 kHz) and conversions at the edge."""

from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH, AudioFrame

__all__ = ["INTERNAL_RATE", "SAMPLE_WIDTH", "AudioFrame"]
