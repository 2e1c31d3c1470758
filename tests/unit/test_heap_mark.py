"""The memory probe of issue 11: per-call structures compared, the bounded history left out, the heap traced."""

from __future__ import annotations

import tracemalloc

from ivr.probe.heap import HeapMark, heap_mark, held_growth


def test_held_growth_names_the_structures_that_grew_but_not_the_bounded_history() -> None:
    before = HeapMark(500.0, 0.0, 10, {"router_calls": 0, "media_pending": 0, "history_calls": 10})
    after = HeapMark(520.0, 0.1, 10, {"router_calls": 20, "media_pending": 0, "history_calls": 30})
    assert held_growth(before, after) == {"router_calls": 20}
    assert held_growth(before, before) == {}


async def test_heap_mark_traces_what_the_python_heap_keeps() -> None:
    tracemalloc.start()
    try:
        first = heap_mark({})
        kept = [bytes(1000) for _ in range(2000)]  # about 2 MB held
        second = heap_mark({})
    finally:
        tracemalloc.stop()
    assert second.python_mb - first.python_mb > 1.5, (first, second)
    assert first.tasks >= 1 and first.rss_mb > 0  # this test's own task, a real RSS
    del kept
