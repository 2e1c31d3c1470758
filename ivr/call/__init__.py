"""The per-call session wiring the stages together.

arrive -> audio -> VAD -> ASR -> understand -> decide -> act -> speak
"""
