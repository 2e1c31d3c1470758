"""``ivr stats --json`` after real calls on the real Asterisk.

One call resolved by the bot, one transferred and answered by an agent, one abandoned in the queue, one
callback asked from the queue.

The session's database is shared with the other real-call tests, so the figures are compared before and after
this test's four calls (their deltas are exactly known).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from callhelpers import channels_at, live_call, place_call, synth_wav, wait_for_event
from conftest import OPEN_TIME, agent_phone
from sqlalchemy import update

from ivr.call.events import AgentAnswered, CallbackScheduled, Hangup, QueueAbandoned
from ivr.config import Settings
from ivr.dialog.records import Answered
from ivr.store.models import CallbackRow

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

DAY = OPEN_TIME.date().isoformat()


async def stats(settings: Settings) -> dict[str, Any]:
    """The CLI in its own process, on the bot's database, for the bot's (shifted) day."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr", "--home", str(settings.paths.home), "stats", "--json", "--since", DAY,
        "--until", DAY, "--channel", "phone", env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


def delta(after: dict[str, Any], before: dict[str, Any], key: str) -> int:
    return int(after[key]) - int(before[key])


async def test_stats_after_real_calls(bot, engines, test_settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = await stats(test_settings)
    passport = await synth_wav(engines, "Je voudrais faire un passeport.", "fr", tmp_path / "passport.wav")
    person = await synth_wav(engines, "Je voudrais parler à un conseiller.", "fr", tmp_path / "person.wav")

    # 1. resolved by the bot: the answer is heard, the caller hangs up
    resolved = await place_call(test_settings, tmp_path / "resolved", segments=[(2.0, passport)], seconds=16)
    assert resolved.established
    await wait_for_event(bot.hub, Answered, timeout=20, intent="passport")
    await wait_for_event(bot.hub, Hangup, timeout=20)

    # 2. transferred to reception and answered there by an agent
    async with agent_phone(test_settings, tmp_path / "agent", "agent2"):
        answered = await place_call(test_settings, tmp_path / "answered", segments=[(2.0, person)], seconds=22)
        assert answered.established
        agent = await wait_for_event(bot.hub, AgentAnswered, timeout=20, service="accueil")
        assert agent.body.wait_s >= 0

    # 3. no agent logged in: the caller waits in the queue and hangs up
    abandoned = await place_call(test_settings, tmp_path / "abandoned", segments=[(2.0, person)], seconds=20)
    assert abandoned.established
    gave_up = await wait_for_event(bot.hub, QueueAbandoned, timeout=20, service="accueil")
    assert gave_up.body.wait_s >= 1

    # 4. no agent: key 1 while waiting in the queue asks for a callback (pressed once the caller is in the
    # queue: at a fixed second a loaded machine may still be saying "je vous mets en relation")
    earlier = {c["id"] for c in await bot.ari.list_channels()}
    async with live_call(test_settings, tmp_path / "callback", segments=[(2.0, person)]) as call:
        await channels_at(bot.ari, app="Queue", timeout=60, ignore=earlier)
        await call.press("1")
        await wait_for_event(bot.hub, CallbackScheduled, timeout=20, service="accueil")

    await bot.store_writer.flush()  # events are stored by the writer task, a moment after they happen
    after = await stats(test_settings)
    await bot.scheduler.find(("pending",))
    async with bot.db.sessions.begin() as s:  # leave no pending callback to the next tests' scheduler
        await s.execute(update(CallbackRow).where(CallbackRow.status == "pending").values(status="cancelled"))

    assert delta(after, before, "calls") == 4
    assert delta(after, before, "resolved_by_bot") == 1
    assert delta(after, before, "resolved_by_reception") == 1  # the agent at reception took it
    assert delta(after, before, "abandoned_in_queue") == 1
    assert delta(after, before, "callbacks_requested") == 1
    # the CLI reads today's real date; the bot's day is in the past, so the callback waiting since then is
    # past its promise: unanswered, like the abandoned call
    assert delta(after, before, "unanswered") == 2
    assert delta(after, before, "callbacks_failed") == 1
    assert delta(after, before, "handed_to_service") == 0
    assert delta(after, before, "resolved_first_level") == 2
    assert delta(after, before, "waits") == 2
    assert after["wait_p90_s"] is not None and after["first_level_rate"] is not None
    assert any(t["intent"] == "passport" for t in after["top_intents"])
    assert "0612345678" not in json.dumps(after) and "612345678" not in json.dumps(after)
