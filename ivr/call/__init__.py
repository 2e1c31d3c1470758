"""The call: the per-call session wiring stages 2 to 8 together, the Stasis router, the call's typed events.

arrive -> audio -> VAD -> ASR -> understand -> decide -> act -> speak
"""
