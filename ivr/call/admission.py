"""Whether the bot takes a new call: a pure decision on the calls it holds and its recognition backlog.

A caller the bot cannot answer in time is better served by a person at once than by seconds of
silence (issue 9: at 8 calls one was answered, the others waited 19 s). So a new call that would
push recognition past the latency budget, or past the configured number of calls, is not taken by the
bot: it hears a short recorded message and goes to the reception queue, or is offered a callback
(``overload.overflow``). Calls coming back from a queue are always taken: they already waited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ivr.asr.backlog import RecognitionLoad
from ivr.config import OverloadSettings

OverflowTo = Literal["queue", "callback"]


@dataclass(frozen=True, slots=True)
class Admit:
    """The bot answers the call."""


@dataclass(frozen=True, slots=True)
class Overflow:
    """The bot does not take the call; ``to`` says where it goes instead."""

    to: OverflowTo
    reason: Literal["max_calls", "latency"]
    predicted_s: float
    """Predicted wait for the caller's first words to be recognised."""


def decide(settings: OverloadSettings, active_calls: int, load: RecognitionLoad | None) -> Admit | Overflow:
    """Admit, or say where the call overflows; ``load`` is None for engines that report no backlog.

    The new caller's first utterance waits behind those already pending and behind the share of the
    other calls that will be speaking too (``speaking_share``; at most one utterance per call).
    """
    predicted = 0.0
    if load is not None:
        quiet = max(0, active_calls - load.pending)
        about_to_speak = math.ceil(settings.speaking_share * quiet - 1e-9)
        predicted = (load.pending + about_to_speak + 1) * load.per_utterance_s
    to: OverflowTo = "callback" if settings.overflow == "callback" else "queue"
    if settings.max_calls > 0 and active_calls >= settings.max_calls:
        return Overflow(to, "max_calls", predicted)
    if load is not None and settings.latency_budget_s > 0 and predicted > settings.latency_budget_s:
        return Overflow(to, "latency", predicted)
    return Admit()
