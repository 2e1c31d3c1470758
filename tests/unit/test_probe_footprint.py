"""Leak arithmetic and the loop-lag probe: what counts as growth, what a blocked loop looks like."""

from __future__ import annotations

import asyncio
import time

from ivr.probe.footprint import Footprint, ProcessFootprint, file_growth, growth
from ivr.probe.looplag import LoopLagProbe


def fp(channels: int, sockets: int, other: int, files: int, rss: float = 100.0) -> Footprint:
    return Footprint(channels, 0, {"bot": ProcessFootprint(other + files, sockets, other, files, rss)})


def test_only_counts_that_grew_are_growth_and_memory_is_not_one_of_them() -> None:
    assert growth(fp(0, 3, 18, 20), fp(0, 3, 18, 20, rss=900.0)) == {}
    assert growth(fp(0, 3, 18, 20), fp(0, 2, 17, 20)) == {}  # fewer is fine
    assert growth(fp(0, 3, 18, 20), fp(2, 5, 18, 20)) == {"channels": 2, "bot_sockets": 2}


def test_regular_files_are_reported_apart_from_the_counts_that_must_come_back() -> None:
    before, after = fp(0, 3, 18, 20), fp(0, 3, 18, 22)
    assert growth(before, after) == {}
    assert file_growth(before, after) == {"bot": 2}


async def test_a_blocked_loop_shows_as_lag() -> None:
    async with LoopLagProbe(period_s=0.01) as probe:
        await asyncio.sleep(0.05)
        time.sleep(0.2)  # noqa: ASYNC251 (the point: something blocking the loop)
        await asyncio.sleep(0.05)
    s = probe.summary()
    assert s["samples"] >= 2 and s["max_ms"] >= 150  # a lower bound: a busy machine only adds to it
