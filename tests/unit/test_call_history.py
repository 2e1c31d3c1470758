"""The hub's event history is bounded per call and in total: the oldest go first, and the count is reported."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from ivr.call import events as ce
from ivr.call.events import CallEvent, EventHub
from ivr.call.history import EventHistory
from ivr.enums import Outcome

AT = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def ev(call: str, seq: int) -> CallEvent:
    return CallEvent(call, seq, AT, ce.Hangup(Outcome.RESOLVED))


def ids(events: list[CallEvent]) -> list[tuple[str, int]]:
    return [(e.call_id, e.seq) for e in events]


def test_a_runaway_call_loses_its_own_oldest_events_not_the_others() -> None:
    h: EventHistory[CallEvent] = EventHistory(per_call=3, total=100)
    h.append(ev("quiet", 1))
    for seq in range(1, 11):
        h.append(ev("flood", seq))
    h.append(ev("quiet", 2))
    assert ids(list(h)) == [("quiet", 1), ("flood", 8), ("flood", 9), ("flood", 10), ("quiet", 2)]
    assert h.dropped == 7 and len(h) == 5
    assert ids(h.of_call("flood")) == [("flood", 8), ("flood", 9), ("flood", 10)]


def test_past_the_total_the_oldest_of_all_go_first() -> None:
    h: EventHistory[CallEvent] = EventHistory(per_call=100, total=4)
    for seq in range(1, 4):
        h.append(ev("a", seq))
    for seq in range(1, 4):
        h.append(ev("b", seq))
    assert ids(list(h)) == [("a", 3), ("b", 1), ("b", 2), ("b", 3)]
    assert h.dropped == 2 and len(h) == 4
    assert h[0].seq == 3 and ids(h[-2:]) == [("b", 2), ("b", 3)]
    for seq in range(4, 8):
        h.append(ev("b", seq))
    assert h.of_call("a") == [] and ids(list(h)) == [("b", 4), ("b", 5), ("b", 6), ("b", 7)]


def test_both_bounds_together_keep_memory_at_the_total() -> None:
    h: EventHistory[CallEvent] = EventHistory(per_call=2, total=5)
    for i in range(1000):
        h.append(ev(f"call-{i % 7}", i))
    assert len(h) <= 5 and len(h._all) <= 5 and len(h._calls) <= 5
    assert h.dropped == 1000 - len(h)
    # what is kept is the newest, in publish order
    assert [e.seq for e in h] == sorted(e.seq for e in h) and max(e.seq for e in h) == 999


def test_a_mark_stays_right_while_older_events_are_dropped() -> None:
    h: EventHistory[CallEvent] = EventHistory(per_call=100, total=3)
    h.append(ev("a", 1))
    h.append(ev("a", 2))
    mark = h.mark()
    for seq in range(3, 6):
        h.append(ev("a", seq))
    assert [e.seq for e in h.since(mark)] == [3, 4, 5]
    h.append(ev("a", 6))
    assert [e.seq for e in h.since(mark)] == [4, 5, 6]  # 3 was dropped: the mark still means "after 2"


async def test_the_hub_keeps_a_bounded_history_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    hub = EventHub(history_per_call=2, history_total=10)
    hub.keep_history = True
    caplog.set_level(logging.WARNING, logger="ivr.call.history")
    for seq in range(1, 6):
        await hub.publish(ev("c", seq))
    assert [e.seq for e in hub.history] == [4, 5]
    assert hub.history.dropped == 3
    assert len([r for r in caplog.records if "dropping the oldest" in r.getMessage()]) == 1  # once, not per event


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError):
        EventHistory(per_call=0, total=10)
