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
    """One process's descriptors, sockets and memory."""

    fds: int
    """Every open descriptor."""
    sockets: int
    """Internet sockets (SIP, RTP, AudioSocket, ARI...), whatever their state (CLOSE-WAIT included)."""
    other_fds: int
    """Descriptors that are not regular files: sockets of every family, pipes, event and timer FDs."""
    files: int
    """Distinct regular files open. Pools open the same file several times (each SQLite connection holds the
    database and its WAL), engines open some lazily, once (a voice's data): so a few new paths after a load
    are not a leak; a per-call leak shows as paths that scale with the calls."""
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
            out[f"{name}_sockets"] = p.sockets
            out[f"{name}_other_fds"] = p.other_fds
        return out

    def files(self) -> dict[str, int]:
        """Regular files open per process."""
        return {name: p.files for name, p in self.processes.items()}


def process_footprint(pid: int) -> ProcessFootprint:
    """FDs, inet sockets and RSS of one process."""
    p = psutil.Process(pid)
    with p.oneshot():
        fds, files = p.num_fds(), p.open_files()
        return ProcessFootprint(fds, len(p.net_connections(kind="inet")), fds - len(files),
                                len({f.path for f in files}),
                                round(p.memory_info().rss / 2**20, 1))


def file_growth(before: Footprint, after: Footprint) -> dict[str, int]:
    """New distinct regular files per process since ``before`` (lazy one-off opens, or a leak if it scales)."""
    b = before.files()
    return {name: n - b.get(name, 0) for name, n in after.files().items() if n - b.get(name, 0) > 0}


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
    """Counts that must come back to their baseline and grew (after - before > 0).

    Only what ``before`` measured is compared: ``Footprint(0, 0, {})`` as a baseline asks for no channel and
    no bridge, whatever the processes hold.
    """
    b, a = before.counts(), after.counts()
    return {k: a[k] - b[k] for k in a if k in b and a[k] - b[k] > 0}


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
