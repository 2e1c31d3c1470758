"""Say it, hear it: Pico speech transcribed back by the real offline ASR must be understood."""

from __future__ import annotations

import re
import unicodedata

import jiwer
import pytest

from ivr.asr.factory import build_stt
from ivr.asr.types import SpeechToText
from ivr.config import Settings
from ivr.tts.pico import PicoTts

pytestmark = pytest.mark.slow

SENTENCES = {
    "fr": [
        "Bonjour, vous êtes bien à la mairie.",
        "Pour refaire votre carte d'identité, il faut prendre rendez-vous.",
        "La médiathèque est fermée le lundi.",
        "Je vous passe le service de l'état civil.",
    ],
    "en": [
        "Hello, you have reached the city hall.",
        "To renew your identity card, you need to book an appointment.",
        "The library is closed on Mondays.",
        "I am transferring you to the registry office.",
    ],
}


def _words(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lower())
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_round_trip_word_error_rate(lang: str) -> None:
    tts = PicoTts()
    stt: SpeechToText = build_stt(Settings())  # each language has its own model: load one per test
    refs, hyps = [], []
    try:
        for sentence in SENTENCES[lang]:
            pcm = await tts.synthesize(sentence, lang)
            transcript = await stt.transcribe(pcm, lang)
            refs.append(_words(sentence))
            hyps.append(_words(transcript.text))
    finally:
        close = getattr(stt, "aclose", None)
        if close is not None:
            await close()
    wer = jiwer.wer(refs, hyps)
    assert wer < 0.35, (wer, hyps)
