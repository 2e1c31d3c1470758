"""Speech engines on other machines: a health-checked pool of Wyoming servers (ASR and TTS share it).

The Wyoming protocol (rhasspy/wyoming) is what voice-assistant speech servers speak: ``wyoming-faster-whisper``,
``wyoming-piper``, ``wyoming-whisper-cpp``. A city moves recognition to a bigger machine or a GPU box by
pointing ``asr.wyoming_uris`` at it; the engines in ``asr/`` and ``tts/`` use this pool to pick a server.
"""
