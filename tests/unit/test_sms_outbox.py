"""The SMS outbox on a real SQLite file and virtual time, with a scripted gateway."""

from __future__ import annotations

import asyncio

import pytest

from ivr.actions.numbers import InvalidNumber
from ivr.actions.sms.outbox import SmsOutbox
from ivr.clock import VirtualClock
from ivr.errors import SmsError
from ivr.store import Database
from ivr.testing.waits import eventually


class ScriptedGateway:
    """Up or down on demand; records what it sent."""

    def __init__(self) -> None:
        self.up = True
        self.error = SmsError("connection refused", code="sms_unreachable", retryable=True)
        self.sent: list[tuple[str, str]] = []

    async def send(self, number_e164: str, text: str) -> str:
        if not self.up:
            raise self.error
        self.sent.append((number_e164, text))
        return f"id-{len(self.sent)}"


async def test_invalid_numbers_are_refused_before_queueing(db: Database) -> None:
    outbox = SmsOutbox(db.sessions, ScriptedGateway(), VirtualClock())
    with pytest.raises(InvalidNumber):
        await outbox.enqueue("c1", "01 23 45 67 89", "hello")
    with pytest.raises(SmsError):
        await outbox.enqueue("c1", "0612345678", "  ")
    assert await outbox.find() == []


async def test_gateway_down_then_up_nothing_lost(db: Database) -> None:
    clock, gw = VirtualClock(), ScriptedGateway()
    outbox = SmsOutbox(db.sessions, gw, clock, base_delay_s=30, max_delay_s=600, max_attempts=10)
    gw.up = False
    sms_id = await outbox.enqueue("c1", "06 12 34 56 78", "Votre lien : https://ville.example")
    retry_times = []
    for _ in range(4):
        assert await outbox.deliver_due() == 0
        rec = await outbox.get(sms_id)
        assert rec is not None and rec.status == "pending"
        retry_times.append((rec.next_attempt_at - clock.now()).total_seconds())
        clock.advance(retry_times[-1])
    assert retry_times == [30, 60, 120, 240]  # exponential backoff

    # A restarted process (new outbox, same database) delivers it once the gateway is back.
    gw.up = True
    outbox2 = SmsOutbox(db.sessions, gw, clock)
    assert await outbox2.deliver_due() == 1
    rec = await outbox2.get(sms_id)
    assert rec is not None and rec.status == "sent" and rec.attempts == 5 and rec.message_id == "id-1"
    assert rec.sent_at == clock.now() and rec.last_error is None
    assert gw.sent == [("+33612345678", "Votre lien : https://ville.example")]
    assert await outbox2.deliver_due() == 0  # never sent twice


async def test_attempts_are_bounded_and_permanent_errors_stop_at_once(db: Database) -> None:
    clock, gw = VirtualClock(), ScriptedGateway()
    outbox = SmsOutbox(db.sessions, gw, clock, base_delay_s=10, max_delay_s=10, max_attempts=3)
    gw.up = False
    flaky = await outbox.enqueue(None, "0612345678", "a")
    for _ in range(5):
        await outbox.deliver_due()
        clock.advance(10)
    rec = await outbox.get(flaky)
    assert rec is not None and rec.status == "failed" and rec.attempts == 3

    gw.error = SmsError("unknown subscriber", code="sms_http_400", retryable=False)
    rejected = await outbox.enqueue(None, "0612345678", "b")
    await outbox.deliver_due()
    rec = await outbox.get(rejected)
    assert rec is not None and rec.status == "failed" and rec.attempts == 1
    assert rec.last_error is not None and "sms_http_400" in rec.last_error
    assert [r.id for r in await outbox.find("failed")] == [rejected, flaky]


async def test_run_loop_wakes_on_enqueue_and_retries_on_virtual_time(db: Database) -> None:
    clock, gw = VirtualClock(), ScriptedGateway()
    outbox = SmsOutbox(db.sessions, gw, clock, base_delay_s=30, poll_interval_s=5)
    runner = asyncio.create_task(outbox.run())
    try:
        await outbox.enqueue("c1", "0612345678", "tout de suite")
        await eventually(lambda: _now(bool(gw.sent)))  # the run loop's work: event-driven, not a fixed sleep
        assert gw.sent == [("+33612345678", "tout de suite")]

        gw.up = False
        late = await outbox.enqueue("c1", "0612345678", "plus tard")

        async def attempted() -> bool:
            r = await outbox.get(late)
            return r is not None and r.attempts >= 1

        await eventually(attempted)
        rec = await outbox.get(late)
        assert rec is not None and rec.status == "pending" and rec.attempts == 1
        gw.up = True

        async def sent() -> bool:
            r = await outbox.get(late)
            return r is not None and r.status == "sent"

        for _ in range(8):  # poll every 5 virtual seconds until the 30 s backoff has passed
            clock.advance(5)
            await asyncio.sleep(0.05)
        await eventually(sent)
        rec = await outbox.get(late)
        assert rec is not None and rec.status == "sent"
    finally:
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner


async def test_stored_actions_for_the_live_call(db: Database) -> None:
    from datetime import timedelta

    from ivr.actions.callbacks import CallbackOutcome, CallbackScheduler
    from ivr.actions.stored import StoredActions
    from ivr.store.records import CallbackRecord

    class Dialer:
        async def dial(self, cb: CallbackRecord) -> CallbackOutcome:
            return CallbackOutcome.COMPLETED

    async def free(service: str) -> bool:
        return True

    clock, gw = VirtualClock(), ScriptedGateway()
    callbacks = CallbackScheduler(db.sessions, clock, lambda s, t: True, free, Dialer())
    actions = StoredActions(SmsOutbox(db.sessions, gw, clock), callbacks)
    await actions.send_sms("c1", "0612345678", "lien")
    with pytest.raises(InvalidNumber):
        await actions.send_sms("c1", "0123456789", "lien")
    await actions.schedule_callback("c1", "0123456789", "accueil", "fr", "résumé", clock.now() + timedelta(hours=2))
    [cb] = await callbacks.find(["pending"])
    assert cb.call_id == "c1" and cb.number == "+33123456789" and cb.summary == "résumé"
    disabled = StoredActions(None, callbacks)
    with pytest.raises(SmsError) as err:
        await disabled.send_sms("c1", "0612345678", "x")
    assert err.value.code == "sms_disabled"


async def _now(value: bool) -> bool:
    return value

