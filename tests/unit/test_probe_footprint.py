"""Leak arithmetic: what counts as growth, and what is reported apart."""

from __future__ import annotations

from ivr.probe.footprint import Footprint, ProcessFootprint, file_growth, growth


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


def test_an_empty_baseline_only_asks_for_no_channel_and_no_bridge() -> None:
    nothing = Footprint(0, 0, {})
    assert growth(nothing, fp(0, 3, 18, 20)) == {}
    assert growth(nothing, fp(1, 3, 18, 20)) == {"channels": 1}
