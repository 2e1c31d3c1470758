"""The pure abuse rules on virtual time: rate limits, lock-outs, SMS confirmation codes, per-number caps."""

from __future__ import annotations

import pytest

from ivr.actions.quota import QuotaExceeded, Usage, check
from ivr.clock import VirtualClock
from ivr.security.confirm import ConfirmationFailed, Confirmations
from ivr.security.ratelimit import Limit, Lockout, RateLimiter


def test_rate_limit_slides_and_refused_hits_do_not_extend_the_block() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(Limit(3, 60.0), clock)
    assert [limiter.hit("1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("5.6.7.8"), "another key has its own budget"
    clock.advance(30)
    assert not limiter.hit("1.2.3.4")  # hammering while blocked is not recorded...
    assert limiter.retry_after("1.2.3.4") == pytest.approx(30.0)
    clock.advance(30)
    assert limiter.hit("1.2.3.4")  # ...so the block ends when the first hits leave the window


def test_rate_limiter_memory_is_bounded_under_a_flood_of_keys() -> None:
    limiter = RateLimiter(Limit(1, 3600.0), VirtualClock(), max_keys=100)
    for i in range(10_000):
        limiter.hit(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._events) == 100


def test_lockout_after_failures_lasts_its_time_and_success_resets_the_count() -> None:
    clock = VirtualClock()
    lock = Lockout(Limit(3, 900.0), 600.0, clock)
    assert [lock.failure("ana") for _ in range(2)] == [False, False]
    lock.success("ana")
    assert [lock.failure("ana") for _ in range(3)] == [False, False, True]
    assert lock.locked("ana") and not lock.locked("bob")
    clock.advance(599)
    assert lock.locked("ana")
    clock.advance(2)
    assert not lock.locked("ana")


def test_confirmation_code_once_within_ttl_and_three_wrong_codes_drop_it() -> None:
    clock = VirtualClock()
    pending: Confirmations[str] = Confirmations(clock, ttl_s=600, attempts=3)
    ch = pending.start("+33612345678")
    assert len(ch.code) == 6 and ch.code.isdigit()
    wrong = "000000" if ch.code != "000000" else "111111"
    with pytest.raises(ConfirmationFailed, match="wrong code"):
        pending.confirm(ch.token, wrong)
    assert pending.confirm(ch.token, ch.code) == "+33612345678"
    with pytest.raises(ConfirmationFailed, match="unknown"):
        pending.confirm(ch.token, ch.code)  # single use

    ch = pending.start("+33700000000")
    for _ in range(3):
        with pytest.raises(ConfirmationFailed):
            pending.confirm(ch.token, wrong)
    with pytest.raises(ConfirmationFailed, match="unknown"):
        pending.confirm(ch.token, ch.code)  # dropped after three wrong codes: no brute force

    ch = pending.start("+33611111111")
    clock.advance(601)
    with pytest.raises(ConfirmationFailed, match="expired"):
        pending.confirm(ch.token, ch.code)


def test_confirmations_memory_is_bounded() -> None:
    pending: Confirmations[int] = Confirmations(VirtualClock(), max_pending=10)
    for i in range(100):
        pending.start(i)
    assert len(pending) == 10


def test_quota_per_day_and_pending() -> None:
    check(Usage(last_day=2, pending=0), per_day=3, pending_max=1)
    with pytest.raises(QuotaExceeded, match="daily"):
        check(Usage(last_day=3), per_day=3)
    with pytest.raises(QuotaExceeded, match="pending"):
        check(Usage(last_day=1, pending=1), per_day=3, pending_max=1)
