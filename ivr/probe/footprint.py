"""What a running system holds: Asterisk channels and bridges, and the bot's and Asterisk's FDs, sockets, RSS.

Taken before and after a load, it shows leaks: a call that leaves a bridge, an AudioSocket in CLOSE-WAIT
or an RTP port behind grows these numbers even when every caller heard an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import psutil


class AriLister(Protocol):
    """The two ARI reads used here."""

    async def list_channels(self) -> list[dict[str, Any]]: ...

    async def list_bridges(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class ProcessFootprint:
    """One process's open files, sockets and memory."""

    fds: int
    sockets: int
    rss_mb: float


@dataclass(frozen=True, slots=True)
class Footprint:
    """Asterisk's live channels and bridges, and the processes' footprints."""

    channels: int
    bridges: int
    processes: dict[str, ProcessFootprint]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)

    def counts(self) -> dict[str, int]:
        """The figures that must come back to their baseline once calls are over (RSS is not one of them)."""
        out = {"channels": self.channels, "bridges": self.bridges}
        for name, p in self.processes.items():
            out[f"{name}_fds"] = p.fds
            out[f"{name}_sockets"] = p.sockets
        return out


def process_footprint(pid: int) -> ProcessFootprint:
    """FDs, inet sockets and RSS of one process."""
    p = psutil.Process(pid)
    with p.oneshot():
        return ProcessFootprint(p.num_fds(), len(p.net_connections(kind="inet")),
                                round(p.memory_info().rss / 2**20, 1))


def open_files(pid: int) -> list[str]:
    """What each of a process's FDs points at (to name a leak, not to count it)."""
    fd_dir = f"/proc/{pid}/fd"
    out = []
    for fd in sorted(os.listdir(fd_dir), key=int):
        with contextlib.suppress(OSError):
            out.append(f"{fd} -> {os.readlink(f'{fd_dir}/{fd}')}")
    return out


async def footprint(ari: AriLister, pids: dict[str, int]) -> Footprint:
    """Snapshot now."""
    channels = await ari.list_channels()
    bridges = await ari.list_bridges()
    procs = await asyncio.to_thread(lambda: {name: process_footprint(pid) for name, pid in pids.items()})
    return Footprint(len(channels), len(bridges), procs)


def growth(before: Footprint, after: Footprint) -> dict[str, int]:
    """Counts that grew (after - before > 0)."""
    b, a = before.counts(), after.counts()
    return {k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0) > 0}


async def settle(take: Callable[[], Awaitable[Footprint]], baseline: Footprint, timeout: float,
                 every: float = 0.5) -> Footprint:
    """Snapshots until nothing has grown past ``baseline`` (or ``timeout``); the last one.

    Hung-up calls take a moment to be torn down (Asterisk's channel destruction, the bot's release of its
    media leg): this waits for that state, not for a fixed time.
    """
    deadline = time.monotonic() + timeout
    while True:
        now = await take()
        if not growth(baseline, now) or time.monotonic() >= deadline:
            return now
        await asyncio.sleep(every)
