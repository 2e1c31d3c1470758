"""What the recogniser has on its plate: utterances pending and what one costs, measured as it runs.

Admission (``ivr.call.admission``) multiplies the two to predict how long a new caller's first
utterance would wait; the cost is measured on this machine, not assumed, because it moves with the
CPU, the model, the beam and the other work on the box (issue 9: 0.3 s quiet, 18 s saturated).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

EWMA_WEIGHT = 0.2
"""Weight of the newest batch: about the last five batches count, so a burst shows within seconds."""


@dataclass(frozen=True, slots=True)
class RecognitionLoad:
    """A snapshot of the recogniser's backlog."""

    pending: int
    """Utterances queued or being decoded."""
    per_utterance_s: float
    """Measured seconds of recogniser time per utterance (a batch's wall time over its size)."""
    measured: bool = True
    """False while ``per_utterance_s`` is still the initial guess (no batch decoded yet)."""

    @property
    def wait_s(self) -> float:
        """Predicted time to text for one more utterance: it waits behind every pending one."""
        return (self.pending + 1) * self.per_utterance_s


class CostMeter:
    """Counts pending utterances and keeps a moving average of their cost; thread-safe."""

    def __init__(self, initial_s: float) -> None:
        self._lock = threading.Lock()
        self._pending = 0
        self._cost = initial_s
        self.measured = 0
        """Batches observed so far (0: ``per_utterance_s`` is still the initial guess)."""

    def added(self) -> None:
        """One utterance submitted."""
        with self._lock:
            self._pending += 1

    def finished(self) -> None:
        """One utterance recognised, failed or cancelled."""
        with self._lock:
            self._pending = max(0, self._pending - 1)

    def observe(self, batch_s: float, size: int) -> None:
        """A batch of ``size`` utterances took ``batch_s`` seconds."""
        if size <= 0:
            return
        with self._lock:
            cost = batch_s / size
            self._cost = cost if self.measured == 0 else (1 - EWMA_WEIGHT) * self._cost + EWMA_WEIGHT * cost
            self.measured += 1

    def snapshot(self) -> RecognitionLoad:
        """The backlog now."""
        with self._lock:
            return RecognitionLoad(self._pending, self._cost, self.measured > 0)


def combined(loads: list[RecognitionLoad], default_s: float) -> RecognitionLoad:
    """Several workers on the same CPU (one per language): pending adds up, the dearest cost counts."""
    # a worker that never decoded (English, on a French morning) has only the initial guess: its cost must
    # not stand for the machine's (capacity bench: the 0.9 s guess of an idle English worker over a measured
    # 0.3 s French one let 2 of 8 calls in, the bot at 10 % CPU)
    known = [x for x in loads if x.measured or x.pending]
    if not known:
        return RecognitionLoad(sum(x.pending for x in loads), default_s, False)
    return RecognitionLoad(sum(x.pending for x in loads), max(x.per_utterance_s for x in known))
