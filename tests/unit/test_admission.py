"""Admission: the bot takes a new call only while it can still answer in time."""

from __future__ import annotations

import pytest

from ivr.asr.backlog import CostMeter, RecognitionLoad, combined
from ivr.call.admission import Admit, Overflow, decide
from ivr.config import OverloadSettings

DEFAULT = OverloadSettings(speaking_share=0.0)
"""Only utterances already pending count (the burst share is tested on its own below)."""


@pytest.mark.parametrize(("settings", "active", "load", "expected"), [
    # an idle bot takes the call
    (DEFAULT, 0, RecognitionLoad(0, 0.4), Admit()),
    # 5 utterances pending at 0.4 s: the 6th waits 2.4 s, within the 2.5 s budget
    (DEFAULT, 7, RecognitionLoad(5, 0.4), Admit()),
    # one more pending: 2.8 s, past the budget -> reception
    (DEFAULT, 7, RecognitionLoad(6, 0.4), Overflow("queue", "latency", pytest.approx(2.8))),
    # a fixed capacity wins over an idle recogniser
    (OverloadSettings(max_calls=2, speaking_share=0), 2, RecognitionLoad(0, 0.4),
     Overflow("queue", "max_calls", 0.4)),
    (OverloadSettings(max_calls=2), 1, RecognitionLoad(0, 0.4), Admit()),
    # callback mode says where the call goes
    (OverloadSettings(overflow="callback", speaking_share=0), 3, RecognitionLoad(9, 0.5),
     Overflow("callback", "latency", pytest.approx(5.0))),
    # an engine that reports no backlog is admitted on max_calls only
    (OverloadSettings(max_calls=4), 3, None, Admit()),
    (OverloadSettings(max_calls=4), 4, None, Overflow("queue", "max_calls", 0.0)),
    # budget 0 disables the latency test
    (OverloadSettings(latency_budget_s=0), 50, RecognitionLoad(40, 1.0), Admit()),
])
def test_decide(settings: OverloadSettings, active: int, load: RecognitionLoad | None,
                expected: Admit | Overflow) -> None:
    assert decide(settings, active, load) == expected


def test_a_burst_of_calls_is_admitted_only_while_their_first_words_can_be_heard_in_time() -> None:
    """Calls arriving together find an idle recogniser; half of those already taken will speak with them."""
    settings = OverloadSettings()  # budget 2.5 s, speaking share 0.5
    idle = RecognitionLoad(0, 0.4)
    admitted = 0
    while isinstance(decide(settings, admitted, idle), Admit):
        admitted += 1
    # (ceil(0.5 x 10) + 1) x 0.4 = 2.4 s: the 11th is taken; with 11 held, (6 + 1) x 0.4 = 2.8 s is not
    assert admitted == 11
    refused = decide(settings, admitted, idle)
    assert refused == Overflow("queue", "latency", pytest.approx(2.8))
    # utterances already pending are not counted twice among the calls that will speak
    assert decide(settings, 4, RecognitionLoad(4, 0.4)) == Admit()  # (4 + 0 + 1) x 0.4 = 2.0 s


def test_cost_meter_counts_pending_and_averages_batches() -> None:
    meter = CostMeter(initial_s=0.9)
    assert meter.snapshot() == RecognitionLoad(0, 0.9, measured=False)  # before any measurement: the initial guess
    for _ in range(3):
        meter.added()
    meter.finished()
    assert meter.snapshot().pending == 2
    meter.observe(1.2, 4)  # the first batch replaces the guess: 0.3 s per utterance
    assert meter.snapshot().per_utterance_s == pytest.approx(0.3)
    meter.observe(2.0, 1)  # a slow one moves the average by a fifth of the gap
    assert meter.snapshot().per_utterance_s == pytest.approx(0.3 + 0.2 * 1.7)
    meter.finished()
    meter.finished()
    meter.finished()  # never negative
    assert meter.snapshot().pending == 0


def test_wait_and_combined_loads() -> None:
    assert RecognitionLoad(3, 0.5).wait_s == pytest.approx(2.0)
    assert combined([RecognitionLoad(2, 0.4), RecognitionLoad(1, 0.2)], 0.9) == RecognitionLoad(3, 0.4)
    assert combined([], 0.9) == RecognitionLoad(0, 0.9, measured=False)
    # an idle worker that never decoded keeps its initial guess out of the machine's cost
    assert combined([RecognitionLoad(1, 0.3), RecognitionLoad(0, 0.9, measured=False)], 0.9) == RecognitionLoad(1, 0.3)
    assert combined([RecognitionLoad(0, 0.9, measured=False)] * 2, 0.9) == RecognitionLoad(0, 0.9, measured=False)
