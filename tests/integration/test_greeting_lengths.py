"""Every greeting, in the real Pico voice, invites the caller to speak within 6 s of the answer."""

from __future__ import annotations

import pytest

from ivr.config import PROJECT_ROOT, load_settings
from ivr.dialog import Dialog, OpeningHours, from_kb
from ivr.dialog.greeting_time import MAX_GREETING_S, SITUATIONS, measure
from ivr.nlu.kb import load_knowledge
from ivr.tts.factory import build_tts


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("situation", list(SITUATIONS))
async def test_greeting_under_six_seconds(situation: str, lang: str) -> None:
    settings = load_settings({"tts": {"engine_fr": "pico", "engine_en": "pico"}}, environ={})
    view = from_kb(load_knowledge(PROJECT_ROOT / "knowledge"))
    dialog = Dialog(view, OpeningHours.from_knowledge(view, settings.dialog), settings.dialog, lang=lang)
    got = await measure(situation, lang, dialog.start(SITUATIONS[situation]), build_tts(settings).synthesize)
    assert got.keys[0] == f"greeting_{situation}" and "how_can_i_help" in got.keys
    assert 1.5 < got.seconds < MAX_GREETING_S, got
    assert got.interruptible  # barge-in stays: a caller who knows may speak at once
