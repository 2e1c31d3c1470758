"""The Stasis router on a fake ARI with scripted calls: routing by Stasis arguments, keys, hang-ups, resumes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ivr.call.router import PARK_MARGIN_S, StasisRouter
from ivr.dialog import events as dev
from ivr.enums import Outcome
from ivr.errors import AriError, AriNotFound
from ivr.telephony.ari.events import (
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    StasisStart,
)
from ivr.testing.fake_bot import FakeBot, fake_bot
from ivr.testing.fake_media import settle


def _channel(cid: str = "chan-1", name: str = "PJSIP/trunk-00000001", number: str = "+33612345678") -> Channel:
    return Channel(cid, name, "Ring", number, "", "s", "ivr-inbound")


@dataclass
class ScriptedCall:
    """A call that records what the router tells it and ends when the caller hangs up."""

    channel_id: str
    caller_number: str
    call_id: str
    dialog: Any
    resume: dev.QueueExited | None
    digits: list[str] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    outcome: Outcome | None = None
    """How it ends; by default handed to a queue (or, back from it, a callback)."""

    def on_dtmf(self, digit: str) -> None:
        self.digits.append(digit)

    def on_hangup(self) -> None:
        self.ended.set()

    async def run(self) -> Outcome:
        await self.ended.wait()
        self.dialog = f"dialog of {self.call_id}"
        if self.outcome is not None:
            return self.outcome
        return Outcome.TRANSFERRED if self.resume is None else Outcome.CALLBACK


@dataclass
class Calls:
    """The session factory the router is given: remembers every call it built."""

    built: list[ScriptedCall] = field(default_factory=list)
    outcome: Outcome | None = None

    def __call__(self, channel_id: str, caller_number: str, *, connect_media: Any, call_id: str | None,
                 dialog: Any, resume: dev.QueueExited | None) -> ScriptedCall:
        call = ScriptedCall(channel_id, caller_number, call_id or f"call-{len(self.built) + 1}", dialog, resume,
                            outcome=self.outcome)
        self.built.append(call)
        return call


def _router(bot: FakeBot, calls: Calls, **kw: Any) -> StasisRouter:
    return StasisRouter(bot.services, bot.ari, media=None, new_session=calls, **kw)  # type: ignore[arg-type]


async def test_inbound_call_gets_a_session_keys_and_hangup_reach_it() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel(), ("inbound",)))
    [call] = calls.built
    assert (call.channel_id, call.caller_number, call.resume) == ("chan-1", "+33612345678", None)
    await router.dispatch(ChannelDtmfReceived(_channel(), "5", 100))
    await router.dispatch(ChannelDtmfReceived(_channel("other"), "7", 100))  # not ours: ignored
    assert call.digits == ["5"]
    await router.dispatch(ChannelHangupRequest(_channel(), 16))
    await settle()
    assert call.ended.is_set() and not router.sessions


async def test_our_own_media_legs_are_not_calls() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    for name in ("AudioSocket/127.0.0.1:9092-1", "UnicastRTP/127.0.0.1-1", "Snoop/chan-1-0001"):
        await router.dispatch(StasisStart(_channel("leg", name), ()))
    assert calls.built == []


async def test_back_from_the_queue_resumes_the_same_call_and_dialog() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel(), ("inbound",)))
    first = calls.built[0]
    first.on_hangup()  # the call left Stasis for the queue
    await settle()
    await router.dispatch(StasisStart(_channel(), ("queue-exit", "etat_civil", "LEAVEEMPTY")))
    second = calls.built[1]
    assert second.call_id == first.call_id and second.dialog == f"dialog of {first.call_id}"
    assert second.resume == dev.QueueExited("etat_civil", "no_agents")
    await router.drain(0)


async def test_back_from_a_queue_at_once_still_resumes_the_dialog() -> None:
    """A queue node that cannot be reached fails the Dial at once: the caller is back before the session ended."""
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel(), ("inbound",)))
    first = calls.built[0]
    first.on_hangup()  # left Stasis for the queue, and comes straight back (no settling in between)
    await router.dispatch(StasisStart(_channel(), ("queue-exit", "accueil", "CHANUNAVAIL")))
    second = calls.built[1]
    assert second.call_id == first.call_id and second.dialog == f"dialog of {first.call_id}"
    assert second.resume == dev.QueueExited("accueil", "timeout")
    await router.drain(0)


async def test_after_a_restart_a_caller_back_from_the_queue_keeps_the_call_id() -> None:
    bot, calls = fake_bot(), Calls()
    bot.ari.variables[("chan-9", "IVR_CALL_ID")] = "stored-call"
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel("chan-9"), ("queue-exit", "accueil", "callback_key")))
    [call] = calls.built
    assert call.call_id == "stored-call" and call.dialog is None
    assert call.resume == dev.QueueExited("accueil", "callback_key")
    await router.drain(0)


async def test_unknown_entry_goes_to_reception_and_extra_handlers_get_theirs() -> None:
    bot, calls = fake_bot(), Calls()
    seen: list[StasisStart] = []

    async def agent_leg(event: StasisStart) -> None:
        seen.append(event)

    router = _router(bot, calls, handlers={"callback-agent": agent_leg})
    await router.dispatch(StasisStart(_channel("x"), ("mystery",)))
    assert ("continue", "x", "ivr-fallback", "s") in bot.ari.requests
    await router.dispatch(StasisStart(_channel("agent"), ("callback-agent", "42")))
    await settle()
    assert [e.args for e in seen] == [("callback-agent", "42")] and calls.built == []


async def test_a_callback_leg_its_dialer_gave_up_on_is_hung_up_not_sent_to_reception() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel("cb-agent-2-late"), ("callback-agent", "2")))
    assert ("hangup", "cb-agent-2-late") in bot.ari.requests
    assert not bot.ari.ops("continue") and calls.built == []


async def test_an_unknown_entry_already_gone_is_not_an_error() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    bot.ari.fail("continue", AriNotFound("ARI POST /channels/x/continue: not found", status=404))
    await router.dispatch(StasisStart(_channel("x"), ("mystery",)))  # does not raise
    assert bot.ari.ops("continue") == [("continue", "x", "ivr-fallback", "s")]


async def test_watched_channels_get_their_events_instead_of_a_session() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    queue = router.watch("dial-1")
    start = StasisStart(_channel("dial-1"), ("inbound",))
    await router.dispatch(start)
    assert queue.get_nowait() == start and calls.built == []
    router.unwatch("dial-1")
    await router.dispatch(ChannelDestroyed(_channel("dial-1"), 16))
    assert queue.empty()


async def test_orphans_of_a_crashed_bot_go_to_reception_and_empty_bridges_are_removed() -> None:
    bot, calls = fake_bot(), Calls()
    bot.ari.channels = [
        {"id": "c1", "name": "PJSIP/trunk-1", "dialplan": {"app_name": "Stasis", "app_data": "ivr,inbound"}},
        {"id": "m1", "name": "AudioSocket/127.0.0.1:9092-1"},
        {"id": "c2", "name": "PJSIP/agent1-1", "dialplan": {"app_name": "Queue", "app_data": "accueil"}},
    ]
    bot.ari.bridges = [{"id": "b1", "channels": []}, {"id": "b2", "channels": ["c2"]}]
    moved = await _router(bot, calls).adopt_orphans()
    assert moved == 1
    assert ("continue", "c1", "ivr-fallback", "s") in bot.ari.requests
    assert bot.ari.ops("hangup") == [("hangup", "m1")]
    assert bot.ari.ops("destroy_bridge") == [("destroy_bridge", "b1")]


async def test_run_survives_a_failing_dispatch_and_drain_cancels_stragglers() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    bot.ari.fail("continue", AriError("gone", status=404))
    bot.ari.push(StasisStart(_channel("x"), ("mystery",)))  # its dispatch raises: logged, not fatal
    bot.ari.push(StasisStart(_channel(), ("inbound",)))
    bot.ari.close()
    await router.run()
    assert [c.channel_id for c in calls.built] == ["chan-1"]
    task = router.calls["chan-1"].task
    await router.drain(timeout=0.01)  # the caller never hangs up: the call task is cancelled
    await settle()
    assert task is not None and task.cancelled()
    assert not router.calls  # and the cancelled call is forgotten


async def test_a_followed_channel_nobody_reads_keeps_a_bounded_backlog() -> None:
    from ivr.call.router import WATCH_QUEUE

    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    queue = router.watch("leg-1")
    for _ in range(WATCH_QUEUE + 50):
        await router.dispatch(ChannelDtmfReceived(_channel("leg-1"), "5", 100))
    assert queue.qsize() == WATCH_QUEUE  # the rest dropped (logged), the router goes on
    assert not calls.built


async def test_a_finished_call_leaves_nothing_in_the_router() -> None:
    """Issue 11 (memory): an ended call is forgotten when its session ends.

    ChannelDestroyed never reaches an app the channel has left: kept until then, each call held its session and
    dialog for the process's life.
    """
    bot, calls = fake_bot(), Calls(outcome=Outcome.RESOLVED)
    router = _router(bot, calls)
    for n in range(5):
        await router.dispatch(StasisStart(_channel(f"chan-{n}"), ("inbound",)))
        await router.dispatch(ChannelHangupRequest(_channel(f"chan-{n}"), 16))
    await settle()
    assert (router.calls, router.sessions) == ({}, {})


async def test_a_call_handed_to_a_queue_is_kept_for_its_return_then_forgotten() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel(), ("inbound",)))
    calls.built[0].on_hangup()  # handed to the queue (TRANSFERRED): it may come back
    await settle()
    assert list(router.calls) == ["chan-1"]
    # the caller hung up in the queue (or talked to an agent): it never comes back; once no queue can still
    # hold it, the next call's arrival forgets it
    bot.clock.advance(bot.services.settings.asterisk.queue_timeout_s + PARK_MARGIN_S + 1)
    calls.outcome = Outcome.RESOLVED
    await router.dispatch(StasisStart(_channel("chan-2"), ("inbound",)))
    assert list(router.calls) == ["chan-2"]
    await router.drain(0)


async def test_a_call_resumed_from_the_queue_is_not_expired_while_it_talks() -> None:
    bot, calls = fake_bot(), Calls()
    router = _router(bot, calls)
    await router.dispatch(StasisStart(_channel(), ("inbound",)))
    calls.built[0].on_hangup()
    await settle()
    await router.dispatch(StasisStart(_channel(), ("queue-exit", "accueil", "TIMEOUT")))
    bot.clock.advance(bot.services.settings.asterisk.queue_timeout_s + PARK_MARGIN_S + 1)
    await router.dispatch(StasisStart(_channel("chan-2"), ("inbound",)))
    assert set(router.calls) == {"chan-1", "chan-2"}  # the resumed call is live again, not parked
    await router.drain(0)
