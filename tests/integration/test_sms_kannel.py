"""The SMS outbox and ``KannelGateway`` against a real Kannel (bearerbox + smsbox + fakesmsc)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.actions.sms.kannel import KannelGateway
from ivr.actions.sms.outbox import SmsOutbox
from ivr.clock import VirtualClock
from ivr.errors import SmsError
from ivr.store import Database
from ivr.testing.kannel_lab import (
    FakeSms,
    KannelLab,
    decode_fakesmsc_line,
    reassemble,
    unavailable_reason,
)

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))


@pytest.fixture
def kannel(tmp_path: Path) -> Iterator[KannelLab]:
    """A configured, not yet started Kannel."""
    lab = KannelLab(tmp_path / "kannel")
    yield lab
    lab.stop()


async def _wait_received(lab: KannelLab, count: int, timeout_s: float = 30.0) -> None:
    """Until the fake SMSC logged ``count`` messages (an event wait: generous, it returns at once when they are)."""
    for _ in range(int(timeout_s * 10)):
        if len(lab.received()) >= count:
            return
        await asyncio.sleep(0.1)


def test_decode_fakesmsc_lines() -> None:
    ucs2 = decode_fakesmsc_line("2026 [1] DEBUG: Got message 1: <MAIRIE +33612345678 ucs-2 %00%E9%00t%00%E9%00++%AC>")
    assert ucs2 is not None and ucs2.text == "été €" and ucs2.receiver == "+33612345678"
    plain = decode_fakesmsc_line("DEBUG: Got message 2: <MAIRIE +33612345678 text Bonjour vous>")
    assert plain is not None and plain.text == "Bonjour vous"
    assert decode_fakesmsc_line("INFO: fakesmsc starting") is None
    parts = [decode_fakesmsc_line(f"Got message {i}: <A +336 udh %05%00%03%07%02%0{i} data %00{c}>")
             for i, c in ((2, "b"), (1, "a"))]
    assert reassemble([p for p in parts if p]) == [FakeSms("A", "+336", "ab")]


async def test_outbox_delivers_through_real_kannel_after_outage(kannel: KannelLab, db: Database) -> None:
    clock = VirtualClock()
    gateway = KannelGateway(kannel.sendsms_url, kannel.username, kannel.password, "MAIRIE")
    outbox = SmsOutbox(db.sessions, gateway, clock, base_delay_s=60, max_attempts=5)
    accented = "Votre rendez-vous à l'état civil : https://ville.example/rdv (coût : 0 €)"
    plain = "Mairie: vos papiers sont prets"
    first = await outbox.enqueue("call-1", "06 12 34 56 78", accented)
    second = await outbox.enqueue(None, "+33 7 56 12 34 56", plain)

    # Kannel is down: nothing is lost, both messages wait with a retry time.
    assert await outbox.deliver_due() == 0
    waiting = await outbox.get(first)
    assert waiting is not None and waiting.status == "pending" and waiting.attempts == 1
    assert waiting.last_error is not None and "sms_unreachable" in waiting.last_error

    kannel.start()
    assert await outbox.deliver_due() == 0  # not due yet: backoff respected
    clock.advance(61)
    assert await outbox.deliver_due() == 2
    await _wait_received(kannel, 2)
    got = {m.text: m for m in kannel.received()}
    assert set(got) == {accented, plain}
    assert got[accented].receiver == "+33612345678" and got[plain].receiver == "+33756123456"
    assert got[accented].sender == "MAIRIE"
    sent = await outbox.get(first)
    assert sent is not None and sent.status == "sent" and sent.attempts == 2 and sent.message_id
    other = await outbox.get(second)
    assert other is not None and other.status == "sent"
    await gateway.aclose()


async def test_wrong_password_is_not_retryable(kannel: KannelLab) -> None:
    kannel.start()
    gateway = KannelGateway(kannel.sendsms_url, kannel.username, "wrong", "MAIRIE")
    with pytest.raises(SmsError) as err:
        await gateway.send("+33612345678", "x")
    assert err.value.retryable is False and "403" in err.value.code
    await gateway.aclose()


async def test_kannel_down_then_back_the_sms_goes_out_on_return(kannel: KannelLab, db: Database) -> None:
    """Kannel up, then stopped, then started again: the SMS queued meanwhile goes out on its return.

    The outage is as long as a stop and a start (seconds), not the issue's minute: what matters is that the
    retry comes after Kannel is back, and retry times are on the outbox's injected clock, so the minute of
    backoff is virtual; a real minute would only add wall time to the suite.
    """
    clock = VirtualClock()
    gateway = KannelGateway(kannel.sendsms_url, kannel.username, kannel.password, "MAIRIE")
    outbox = SmsOutbox(db.sessions, gateway, clock, base_delay_s=60, max_attempts=5)
    await asyncio.to_thread(kannel.start)
    await outbox.enqueue("call-1", "06 12 34 56 78", "avant la panne")
    assert await outbox.deliver_due() == 1
    await _wait_received(kannel, 1)

    await asyncio.to_thread(kannel.stop)
    during = await outbox.enqueue("call-2", "06 12 34 56 78", "pendant la panne")
    assert await outbox.deliver_due() == 0
    waiting = await outbox.get(during)
    assert waiting is not None and waiting.status == "pending" and waiting.attempts == 1

    await asyncio.to_thread(kannel.start)
    clock.advance(61)
    assert await outbox.deliver_due() == 1
    await _wait_received(kannel, 2)
    assert [m.text for m in kannel.received()] == ["avant la panne", "pendant la panne"]
    sent = await outbox.get(during)
    assert sent is not None and sent.status == "sent" and sent.attempts == 2
