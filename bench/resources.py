"""CPU and memory of the bot (this process), Asterisk and the load generator, sampled in the background.

100 % = one core. The load generator's processes come and go (one SIPp per question), so their pids are
read from a callable at every sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

import psutil


class Sampler:
    """Per-process CPU% (mean, max) and peak RSS; the machine's CPU%."""

    def __init__(self, asterisk_pid: int | None, sipp_pids: Callable[[], list[int]] = list, *,
                 processes: dict[str, int] | None = None) -> None:
        """``processes`` (name -> pid) replaces the in-process bot and its Asterisk (a cluster's processes)."""
        if processes is not None:
            self.fixed = {name: psutil.Process(pid) for name, pid in processes.items()}
        else:
            self.fixed = {"bot": psutil.Process(os.getpid())}
            if asterisk_pid is not None:
                self.fixed["asterisk"] = psutil.Process(asterisk_pid)
        self.sipp_pids = sipp_pids
        self._sipp: dict[int, psutil.Process] = {}
        self.cpu: dict[str, list[float]] = {k: [] for k in [*self.fixed, "sipp"]}
        self.rss: dict[str, int] = dict.fromkeys([*self.fixed, "sipp"], 0)
        self.system: list[float] = []

    def _sipp_procs(self) -> list[psutil.Process]:
        for pid in self.sipp_pids():
            if pid not in self._sipp:
                with contextlib.suppress(psutil.Error):
                    self._sipp[pid] = psutil.Process(pid)
                    self._sipp[pid].cpu_percent(None)
        return list(self._sipp.values())

    async def run(self, period: float = 0.5) -> None:
        """Sample until cancelled."""
        for p in self.fixed.values():
            p.cpu_percent(None)
        psutil.cpu_percent(None)
        while True:
            await asyncio.sleep(period)
            for name, p in self.fixed.items():
                with contextlib.suppress(psutil.Error):
                    self.cpu[name].append(p.cpu_percent(None))
                    self.rss[name] = max(self.rss[name], p.memory_info().rss)
            total, rss = 0.0, 0
            for p in self._sipp_procs():
                with contextlib.suppress(psutil.Error):
                    total += p.cpu_percent(None)
                    rss += p.memory_info().rss
            self.cpu["sipp"].append(total)
            self.rss["sipp"] = max(self.rss["sipp"], rss)
            self.system.append(psutil.cpu_percent(None))

    def report(self) -> dict[str, Any]:
        """Mean and max CPU% and peak RSS (MB) per process, and the machine's mean CPU%."""
        out: dict[str, Any] = {}
        for name, cpu in self.cpu.items():
            out[name] = {"cpu_mean_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
                         "cpu_max_pct": round(max(cpu), 1) if cpu else None,
                         "peak_rss_mb": round(self.rss[name] / 2**20, 1)}
        out["machine_cpu_mean_pct"] = round(sum(self.system) / len(self.system), 1) if self.system else None
        return out


class ErrorLog(logging.Handler):
    """The bot's log records at ERROR and above during a run (callers' words are never logged that high)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}"[:300])

    def __enter__(self) -> ErrorLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
