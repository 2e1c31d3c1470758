"""The callback dialer waits for the agent to have heard the intro by Asterisk's event, not by the clock."""

from __future__ import annotations

import asyncio

from ivr.actions.dialer import entered_app, intro_heard
from ivr.telephony.ari.events import (
    AriEvent,
    Channel,
    ChannelHangupRequest,
    ChannelStateChange,
    PlaybackFinished,
    StasisStart,
)

AGENT = Channel("cb-agent-1", "PJSIP/agent3-00000001", "Up", "agent3", "", "s", "ivr-inbound")


def _queue(*events: AriEvent) -> asyncio.Queue[AriEvent]:
    q: asyncio.Queue[AriEvent] = asyncio.Queue()
    for ev in events:
        q.put_nowait(ev)
    return q


async def test_the_intros_own_playback_finished_ends_the_wait_long_before_its_deadline() -> None:
    q = _queue(
        ChannelStateChange(AGENT),
        PlaybackFinished("someone-else", "channel:cb-agent-1", "done"),  # not the intro
        PlaybackFinished("intro-1", "channel:cb-agent-1", "done"),
    )
    # a deadline of an hour: only the event can end this wait within the test's time
    assert await asyncio.wait_for(intro_heard(q, "intro-1", 3600.0), 10) is True


async def test_the_agent_hanging_up_during_the_intro_stops_the_callback() -> None:
    q = _queue(ChannelStateChange(AGENT), ChannelHangupRequest(AGENT, 16))
    assert await asyncio.wait_for(intro_heard(q, "intro-1", 3600.0), 10) is False


async def test_the_event_arriving_later_is_waited_for() -> None:
    q: asyncio.Queue[AriEvent] = asyncio.Queue()
    waiting = asyncio.create_task(intro_heard(q, "intro-1", 3600.0))
    await asyncio.sleep(0)
    assert not waiting.done()
    q.put_nowait(PlaybackFinished("intro-1", "channel:cb-agent-1", "done"))
    assert await asyncio.wait_for(waiting, 10) is True


async def test_without_the_event_the_citizen_is_dialled_after_the_wait() -> None:
    # the play request failed (no playback, no event): the callback still goes on
    assert await intro_heard(_queue(ChannelStateChange(AGENT)), "intro-1", 0.05) is True


async def test_a_created_leg_is_dialled_only_once_it_is_in_the_app() -> None:
    """ARI answers the create request before the channel's StasisStart; a dial sent earlier gets a 409."""
    q: asyncio.Queue[AriEvent] = asyncio.Queue()
    waiting = asyncio.create_task(entered_app(q, 3600.0))
    await asyncio.sleep(0)
    assert not waiting.done()
    q.put_nowait(StasisStart(AGENT, ("callback-agent", "1")))
    assert await asyncio.wait_for(waiting, 10) is True


async def test_a_leg_that_ends_or_never_enters_the_app_is_given_up() -> None:
    assert await asyncio.wait_for(entered_app(_queue(ChannelHangupRequest(AGENT, 16)), 3600.0), 10) is False
    assert await entered_app(asyncio.Queue(), 0.01) is False
