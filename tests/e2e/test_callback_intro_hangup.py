"""A real callback whose agent hangs up while the intro plays: the citizen's phone never rings.

The dialer used to wait for the intro by its length on the wall clock, then dial the citizen whatever had
happened on the agent's leg: the citizen answered a call with nobody on the other end, and the request
counted one failed attempt. It now waits on the agent leg's events (the intro's PlaybackFinished, or the
hang-up), so a hang-up during the intro ends the attempt before the citizen is dialled and is not counted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import agent_phone, phone, write_tone

from ivr.config import Settings

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

SUMMARY = ("Monsieur Testintro demande à être rappelé au sujet de la réservation de la salle des fêtes pour "
           "le mariage de sa fille au mois de juin, avec une question sur le tarif pour les habitants")


async def test_agent_hanging_up_during_the_intro_never_rings_the_citizen(
    bot: Any, test_settings: Settings, tmp_path: Path
) -> None:
    host, _, port = test_settings.asterisk.trunk_contact.partition(":")
    # the citizen's phone answers the trunk's call to their number (as in the callback routing test)
    citizen_account = f"<sip:0612345678@{host}:{port}>;regint=0;answermode=auto"
    (tmp_path / "citizen").mkdir()
    write_tone(tmp_path / "citizen" / "voice.wav", 60, freq=500)
    async with agent_phone(test_settings, tmp_path / "agent", "agent3") as agent, \
            phone(tmp_path / "citizen", sip_host=host, sip_port=int(port), account=citizen_account,
                  auto_answer=True, source_wav=tmp_path / "citizen" / "voice.wav") as citizen:
        cb = await bot.scheduler.schedule(None, "06 12 34 56 78", "accueil", "fr", SUMMARY)
        tick = asyncio.create_task(bot.scheduler.tick())
        try:
            await agent.wait_event("CALL_ESTABLISHED", timeout=30)
            await agent.hangup()  # the intro lasts about ten seconds: this lands during it
            [done] = await asyncio.wait_for(tick, 120)
        finally:
            await bot.scheduler.cancel(cb.id)  # no pending callback left to the next tests' schedulers
        rung = [e.type for e in citizen.events if e.type in ("CALL_INCOMING", "CALL_ESTABLISHED")]
    assert rung == [], f"the citizen was dialled after the agent hung up: {rung}"
    assert (done.outcome, done.attempts, done.status) == ("agent_unavailable", 0, "pending")
