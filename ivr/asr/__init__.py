"""3. Speech -> text: one streaming protocol, a shared whisper worker, engines (whisper, vosk)."""

from ivr.asr.types import SpeechToText, SttStream, Transcript

__all__ = ["SpeechToText", "SttStream", "Transcript"]
