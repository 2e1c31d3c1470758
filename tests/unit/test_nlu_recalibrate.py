"""Calibration after a publish: stale detection, one background fit at a time, publishes coalesced."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from ivr.config import PROJECT_ROOT
from ivr.nlu.calibration import Calibration, load_calibration
from ivr.nlu.kb import load_knowledge
from ivr.nlu.model import KnowledgeBase
from ivr.nlu.recalibrate import Recalibrator, calibrated_version, is_stale

KB = load_knowledge(PROJECT_ROOT / "knowledge")


def other_version(kb: KnowledgeBase, version: str) -> KnowledgeBase:
    return KnowledgeBase(kb.intents, kb.services, kb.facts, version)


def test_the_shipped_calibration_matches_the_shipped_knowledge() -> None:
    assert calibrated_version(PROJECT_ROOT / "knowledge" / "calibration.toml") == KB.version
    assert not is_stale(PROJECT_ROOT / "knowledge" / "calibration.toml", KB)
    assert is_stale(PROJECT_ROOT / "knowledge" / "calibration.toml", other_version(KB, "v-new"))


async def test_publishes_during_a_fit_coalesce_into_one_more_fit(tmp_path: Path) -> None:
    path = tmp_path / "calibration.toml"
    gate, started = threading.Event(), threading.Event()
    fitted: list[str] = []
    rebuilt: list[str] = []

    def fit(kb: KnowledgeBase) -> tuple[Calibration, str]:
        started.set()
        gate.wait(10)
        fitted.append(kb.version)
        return Calibration(knowledge_version=kb.version), "fake fit"

    r = Recalibrator(path, fit, on_done=lambda kb: rebuilt.append(kb.version))
    first = r.request(other_version(KB, "v1"))
    assert first is not None and r.running
    assert await asyncio.to_thread(started.wait, 10)  # the v1 fit is under way
    assert r.request(other_version(KB, "v2")) is first  # queued behind the running fit
    assert r.request(other_version(KB, "v3")) is first  # ...and replaces v2
    gate.set()
    await asyncio.wait_for(first, 10)
    assert fitted == ["v1", "v3"] and rebuilt == ["v1", "v3"] and r.runs == 2
    assert load_calibration(path).knowledge_version == "v3"
    assert r.request(other_version(KB, "v3")) is None  # up to date: nothing to do
