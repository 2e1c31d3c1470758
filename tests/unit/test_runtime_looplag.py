"""Loop-lag statistics, the monitor seeing a real block, the status file, and VAD off the loop."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np
import pytest

from ivr.audio.frame import AudioFrame
from ivr.runtime.looplag import LagSnapshot, LagStats, LoopLagMonitor
from ivr.runtime.status import now_status, read_status, write_status
from ivr.vad.offload import probabilities
from ivr.vad.webrtc import WebRtcGate


def test_stats_max_p99_mean_over_a_window() -> None:
    stats = LagStats(window=200)
    assert stats.snapshot() == LagSnapshot(0, 0.0, 0.0, 0.0)
    for _ in range(300):  # only the last 200 count
        stats.add(0.5)
    for i in range(198):
        stats.add(0.001 * (i % 3))
    stats.add(0.040)
    stats.add(-0.001)  # an early wake-up is no lag
    snap = stats.snapshot()
    assert snap.samples == 200
    assert snap.max_s == pytest.approx(0.040)
    assert snap.p99_s == pytest.approx(0.002)  # one 40 ms outlier in 200 is above p99
    assert snap.mean_s == pytest.approx((0.040 + 66 * 0.001 + 66 * 0.002) / 200)
    stats.reset()
    assert stats.snapshot().samples == 0


async def test_monitor_sees_a_blocked_loop() -> None:
    monitor = LoopLagMonitor(interval_s=0.01)
    task = asyncio.create_task(monitor.run())
    try:
        await asyncio.sleep(0.05)
        time.sleep(0.2)  # noqa: ASYNC251 - a synchronous call on the loop: what this monitor exists to catch
        await asyncio.sleep(0.05)  # the monitor's timer, due during the block, fires first
    finally:
        task.cancel()
    # a busy machine only adds lag, so this lower bound holds under load
    assert monitor.snapshot().max_s >= 0.18


def test_status_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "runtime.json"
    status = now_status(calls=3, asr_pending=2, asr_cost_s=0.4, loop_lag_max_s=0.02, loop_lag_p99_s=0.01,
                        loop_lag_samples=100)
    write_status(path, status)
    got = read_status(path)
    assert got is not None and got["calls"] == 3 and got["loop_lag_p99_s"] == 0.01
    path.write_text(json.dumps({**got, "at": got["at"] - 3600}))
    assert read_status(path) is None  # stale: the bot is gone
    assert read_status(tmp_path / "missing.json") is None


async def test_offloaded_probabilities_equal_direct_ones() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(320) / 16000
    frames = []
    for i in range(40):
        voiced = 8000 * np.sin(2 * np.pi * (180 + 40 * (i % 5)) * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
        samples = voiced if 10 <= i < 30 else rng.normal(0, 30, 320)
        frames.append(AudioFrame(samples.astype("<i2").tobytes(), timestamp=i * 0.02))
    gate_a, gate_b = WebRtcGate(2), WebRtcGate(2)
    direct = [gate_a.probability(f) for f in frames]
    offloaded: list[float] = []
    for i in range(0, len(frames), 2):
        offloaded += await probabilities(gate_b, frames[i : i + 2])
    assert offloaded == direct
    assert 0.0 in direct and 1.0 in direct  # the frames hold both silence and voice


def test_status_json_shows_the_running_bots_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ivr.cli import main

    write_status(tmp_path / "runtime.json", now_status(
        calls=2, asr_pending=1, asr_cost_s=0.3, loop_lag_max_s=0.03, loop_lag_p99_s=0.012, loop_lag_samples=50))
    code = main(["--home", str(tmp_path), "status", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # nothing is running under this home: the exit status says so
    assert out["voicebot"]["runtime"]["loop_lag_p99_s"] == 0.012
    assert out["asterisk"]["pid"] is None
