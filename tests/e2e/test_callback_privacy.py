"""A real callback through Asterisk: the agent hears the citizen's name and words, the disk keeps none of it.

The intro (``Rappel demandé. <summary>``) used to be synthesised into the permanent voice cache, keyed by
the text's hash and never purged: every citizen's name and request stayed on disk forever.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import agent_phone, phone

from ivr.config import Settings

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]


async def test_callback_intro_plays_from_a_transient_file_never_the_voice_cache(
    bot: Any, test_settings: Settings, tmp_path: Path
) -> None:
    host, _, port = test_settings.asterisk.trunk_contact.partition(":")
    summary = "Madame Zoé Testprivée demande une copie de son acte de naissance"
    intro = f"Rappel demandé. {summary}"
    transient = bot.dialer.transient_dir
    async with agent_phone(test_settings, tmp_path / "agent", "agent3") as agent, \
            phone(tmp_path / "citizen", sip_host=host, sip_port=int(port)):
        cb = await bot.scheduler.schedule(None, "06 12 34 56 78", "accueil", "fr", summary)
        tick = asyncio.create_task(bot.scheduler.tick())
        await agent.wait_event("CALL_ESTABLISHED", timeout=30)
        for _ in range(300):  # rendered once the agent answered, before the citizen is dialled
            if playing := list(transient.glob("*.sln16")):
                break
            await asyncio.sleep(0.05)
        assert len(playing) == 1, "the intro plays from one throw-away file"
        # the citizen's phone rings unanswered: one attempt, whatever its outcome, ends the intro's life
        [done] = await asyncio.wait_for(tick, 120)
    await bot.scheduler.cancel(cb.id)  # leave no pending callback to the next tests' schedulers
    assert done.attempts == 1
    assert not playing[0].exists() and list(transient.glob("*")) == [], "the intro file is gone after the call"
    assert not bot.engines.tts.path_for(intro, "fr").exists(), "the citizen's words are not in the voice cache"
