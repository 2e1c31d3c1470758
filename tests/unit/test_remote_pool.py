"""The Wyoming server pool's decisions, on a hand-driven clock."""

from __future__ import annotations

import pytest

from ivr.errors import ConfigError
from ivr.remote.pool import ServerPool


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


A, B = "tcp://10.0.0.1:10300", "tcp://10.0.0.2:10300"


def test_requests_go_to_the_least_loaded_server() -> None:
    pool = ServerPool([A, B], Clock())
    assert [pool.pick(), pool.pick(), pool.pick()] == [A, B, A]  # A busy with 2, B with 1
    pool.done(B, ok=True)
    assert pool.pick() == B  # B free again


def test_ties_go_to_the_server_that_served_least() -> None:
    pool = ServerPool([A, B], Clock())
    pool.done(pool.pick() or "", ok=True)  # A served 1
    assert pool.pick() == B


def test_a_failed_server_is_skipped_then_tried_again_after_the_retry_period() -> None:
    clock = Clock()
    pool = ServerPool([A, B], clock, retry_after_s=5.0)
    pool.done(pool.pick() or "", ok=False)  # A failed
    assert [v.up for v in pool.view()] == [False, True]
    assert pool.pick() == B
    pool.done(B, ok=True)
    clock.t += 4.9
    assert pool.pick() == B
    pool.done(B, ok=True)
    clock.t += 0.2
    # B is healthy and idle: it still wins; A is only tried when it is the best left
    pool.mark_down(B)
    assert pool.pick() == A  # half-open trial of A
    assert pool.pick() is None  # the trial restarted A's period; B is down too
    pool.done(A, ok=True)
    assert pool.view()[0].up and pool.pick() == A


def test_every_server_down_means_fallback_and_is_counted() -> None:
    clock = Clock()
    pool = ServerPool([A], clock, retry_after_s=5.0)
    pool.mark_down(A)
    assert pool.pick() is None and pool.pick() is None
    assert pool.fallbacks == 2
    pool.mark_up(A)  # a health probe answered
    assert pool.pick() == A


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigError):
        ServerPool([], Clock())
    with pytest.raises(ConfigError, match="http://x"):
        ServerPool(["http://x"], Clock())


def test_duplicate_uris_count_once() -> None:
    assert len(ServerPool([A, A, B], Clock()).view()) == 2
