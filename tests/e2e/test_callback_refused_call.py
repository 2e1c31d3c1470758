"""Issue 11: a callback the city may not make, asked on a real call, is explained to the caller.

A premium-rate caller ID (+33 899…) or a withheld one asks for a callback on a Sunday (reception closed): the
bot says it cannot call back, says when the city hall reopens, says goodbye and hangs up. Before, the refusal
raised into the session's error path and the caller went to reception without a word.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from callhelpers import channels_at, live_call, until, wait_for_event

from ivr.call import events as ev
from ivr.config import Settings
from ivr.dialog import records as rec

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

SUNDAY = datetime(2026, 11, 22, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(("caller", "reason"), [("+33899123456", "number"), ("anonymous", "withheld")])
async def test_a_refused_callback_is_said_then_goodbye(
    asterisk, engines, test_settings: Settings, tmp_path: Path, caller: str, reason: str  # type: ignore[no-untyped-def]
) -> None:
    from conftest import running_bot

    async with running_bot(test_settings, engines, SUNDAY) as b, \
            live_call(test_settings, tmp_path, caller=caller) as call:
        await wait_for_event(b.hub, ev.Said, timeout=20, key="greeting_closed")
        await call.press("0")  # reception, closed: "do you want to be called back?"
        await wait_for_event(b.hub, ev.Said, timeout=20, key="service_closed")
        await call.press("1")  # yes
        declined = await wait_for_event(b.hub, rec.CallbackDeclined, timeout=20)
        assert declined.body == rec.CallbackDeclined(reason, "call_again")
        refused = await wait_for_event(b.hub, ev.Said, timeout=10, key=f"callback_refused_{reason}")
        before = call.probe.heard_so_far()
        again = await wait_for_event(b.hub, ev.Said, timeout=20, key="call_again_at")
        assert "demain à 8 h 30" in again.body.text  # the next opening, Monday morning
        hangup = await wait_for_event(b.hub, ev.Hangup, timeout=40)
        result = await call.task  # the bot hung up: the phone's call closed on its own
        assert hangup.body.outcome == "abandoned"
        assert refused.seq < again.seq < hangup.seq
        assert not [e for e in b.hub.history if isinstance(e.body, (ev.Handoff, ev.CallError, ev.CallbackScheduled))]
        assert not [c for c in await b.scheduler.find() if c.call_id == declined.call_id]
    assert result.established
    # the explanation, the reopening and goodbye reached the caller's phone (≈ 8 s of speech)
    assert result.heard_voiced_seconds - before > 3.0


async def test_open_hours_a_refused_callback_puts_the_caller_back_in_the_reception_queue(  # type: ignore[no-untyped-def]
    bot, test_settings: Settings, tmp_path: Path
) -> None:
    """Reception open: a premium caller waiting in its queue presses 1 for a callback; told why, back in the queue."""
    async with live_call(test_settings, tmp_path, caller="+33899123456", seconds=120) as call:
        await wait_for_event(bot.hub, ev.Said, timeout=20, key="greeting_open")
        await call.press("0")  # reception
        [queued] = await channels_at(bot.ari, app="Queue", timeout=60)
        await call.press("1")  # "to be called back instead of waiting, press 1"
        declined = await wait_for_event(bot.hub, rec.CallbackDeclined, timeout=30)
        assert declined.body == rec.CallbackDeclined("number", "reception")
        refused = await wait_for_event(bot.hub, ev.Said, timeout=10, key="callback_refused_number")
        await until(lambda: any(isinstance(e.body, ev.Handoff) and e.seq > refused.seq for e in bot.hub.history),
                    30, "the caller handed to reception again")
        [again] = await channels_at(bot.ari, app="Queue", timeout=60)
        assert again["id"] == queued["id"]  # the same caller, waiting for a person again
        assert not call.task.done()
    assert not [c for c in await bot.scheduler.find() if c.call_id == declined.call_id]
    assert not [e for e in bot.hub.history if isinstance(e.body, (ev.CallError, ev.CallbackScheduled))]
