"""A returning caller with a pending callback hears it within the first 6 s of a real call, and cancels it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from callhelpers import live_call, wait_for_event
from sqlalchemy import update

from ivr.config import Settings
from ivr.store.models import CallbackRow

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

TOMORROW_MORNING = datetime(2026, 11, 25, 8, 30, tzinfo=ZoneInfo("Europe/Paris"))  # the bot's day is the 24th


async def test_pending_callback_is_heard_at_once_and_cancelled(bot, test_settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from ivr.wiring import attach_caller_memory

    # the shared test settings keep callers' memory off (every call there comes from one number): on here
    bot.settings = replace(bot.settings, dialog=replace(bot.settings.dialog, recall_callers=True))
    attach_caller_memory(bot, bot.router.services)
    async with bot.db.sessions.begin() as s:  # only this test's request is pending
        await s.execute(update(CallbackRow).where(CallbackRow.status == "pending").values(status="cancelled"))
    # asked earlier (e.g. on the web chat or a previous call), in the national format
    cb = await bot.scheduler.schedule(None, "06 12 34 56 78", "etat_civil", "fr", "passeport", TOMORROW_MORNING)

    async with live_call(test_settings, tmp_path, seconds=40) as call:
        started = await wait_for_event(bot.hub, "started", timeout=10)
        pending = await wait_for_event(bot.hub, "say", timeout=10, key="callback_pending")
        assert (pending.at - started.at).total_seconds() < 6.0
        assert "état civil" in str(pending.data["text"]).lower() and "demain" in str(pending.data["text"])
        # key 1 (cancel) once the phone has heard 2 s of the reminder, whatever the machine's load
        heard = call.probe.heard_so_far()
        await call.probe.wait_heard(heard + 2.0, timeout=20)
        await call.press("1")
        review = await wait_for_event(bot.hub, "callback_review", timeout=15)
        assert review.data == {"callback": cb.id, "kept": False}
        await wait_for_event(bot.hub, "say", timeout=10, key="callback_cancelled")
        await call.probe.wait_heard(heard + 4.0, timeout=20)  # "c'est annulé" reaches the phone
        result = await call.end()
    assert result.established
    assert (await bot.scheduler.get(cb.id)).status == "cancelled"
    assert result.heard_voiced_seconds > 4.0  # the caller's phone carried the greeting and the reminder
