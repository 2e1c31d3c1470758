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
from callhelpers import live_call, wait_for_event

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
        assert await b.scheduler.find() == []
    assert result.established
    # the explanation, the reopening and goodbye reached the caller's phone (≈ 8 s of speech)
    assert result.heard_voiced_seconds - before > 3.0
