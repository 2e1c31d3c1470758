"""``ivr kb calibrate`` after each publish, in the background, so thresholds follow the knowledge.

A calibration is fitted on one knowledge version (``[meta] knowledge_version``); once staff publish new
questions or intents it is *stale*: the thresholds were chosen for other examples. The bot keeps serving
with the stale one while a fit runs in a worker thread (cross-validation takes from seconds to minutes),
then writes the file and rebuilds the matcher. Publishes during a fit coalesce into one more fit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from ivr.nlu.calibration import Calibration, load_calibration, save_calibration
from ivr.nlu.model import KnowledgeBase

log = logging.getLogger(__name__)


def calibrated_version(path: Path) -> str | None:
    """The knowledge version ``path`` was fitted on (None without a file)."""
    if not path.is_file():
        return None
    try:
        return load_calibration(path).knowledge_version
    except Exception:
        return None


def is_stale(path: Path, kb: KnowledgeBase) -> bool:
    """True when the calibration file was fitted on another knowledge version (or is missing)."""
    return calibrated_version(path) != kb.version


class Recalibrator:
    """One background fit at a time; ``request(kb)`` after every accepted publish."""

    def __init__(
        self,
        path: Path,
        fit: Callable[[KnowledgeBase], tuple[Calibration, str]],
        on_done: Callable[[KnowledgeBase], None],
    ) -> None:
        self._path = path
        self._fit = fit
        self._on_done = on_done
        self._wanted: KnowledgeBase | None = None
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    @property
    def running(self) -> bool:
        """A fit is in progress (the admin page says so)."""
        return self._task is not None and not self._task.done()

    def request(self, kb: KnowledgeBase) -> asyncio.Task[None] | None:
        """Fit ``kb`` (after the running fit, if any); returns the task doing it."""
        if not is_stale(self._path, kb):
            return self._task if self.running else None
        self._wanted = kb
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name="recalibrate")
        return self._task

    async def _loop(self) -> None:
        while self._wanted is not None:
            kb, self._wanted = self._wanted, None
            try:
                cal, comment = await asyncio.to_thread(self._fit, kb)
                await asyncio.to_thread(save_calibration, cal, self._path, comment)
                self.runs += 1
                log.info("calibration refitted for knowledge version %s", kb.version)
                await asyncio.to_thread(self._on_done, kb)
            except Exception:
                log.exception("background calibration failed; the previous thresholds stay")


def fit_with(encoder_factory: Callable[[], object]) -> Callable[[KnowledgeBase], tuple[Calibration, str]]:
    """The real fit (``ivr kb calibrate``'s) with the process's encoder."""

    def fit(kb: KnowledgeBase) -> tuple[Calibration, str]:
        from ivr.nlu.fit import calibrate

        result = calibrate(kb, encoder_factory())  # type: ignore[arg-type]
        comment = "\n".join(f"cross-validated {lang}: " + ", ".join(f"{k} {v * 100:.1f}%" for k, v in s.items())
                            for lang, s in result.report.items())
        return result.calibration, comment

    return fit
