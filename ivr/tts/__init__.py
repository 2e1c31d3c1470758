"""7. Text -> speech: the protocol, the engines (Pico, optional Piper), normalisation and the voice cache."""

from ivr.tts.base import TextToSpeech
from ivr.tts.cache import CachedTts, cache_root
from ivr.tts.factory import build_tts

__all__ = ["CachedTts", "TextToSpeech", "build_tts", "cache_root"]
