"""The bot's load in a small JSON file, rewritten every second.

``ivr status --json`` (another process) and the capacity bench read it without a network endpoint or
credentials; a stale file means the bot is gone.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ivr.tts.cache import write_atomic

FILE_NAME = "runtime.json"
PUBLISH_S = 1.0


@dataclass(frozen=True, slots=True)
class RuntimeStatus:
    """What the bot is carrying now."""

    pid: int
    at: float
    """Unix time of this snapshot (a stale file means the bot is gone)."""
    calls: int
    """Calls conversing with the bot."""
    asr_pending: int
    asr_cost_s: float
    loop_lag_max_s: float
    loop_lag_p99_s: float
    loop_lag_samples: int
    store_queued: int = 0
    """Call events waiting for the store writer."""
    store_dropped: int = 0
    """Call events the store writer dropped (queue full, ``store.writer_queue``) or the database refused."""
    history_dropped: int = 0
    """Events the in-memory history dropped past ``store.history_per_call`` / ``history_total``."""
    tasks: int = 0
    """Asyncio tasks of the bot's event loop: with no call up it comes back to the idle count (issue 11)."""
    held: dict[str, int] = field(default_factory=dict)
    """Sizes of the structures kept per call (router's calls and sessions, media legs waiting or open, the
    event history's calls). Each comes back to zero, or to its bound, once calls are over: one that keeps
    growing while ``calls`` does not is a per-call leak."""


def status_path(home: Path) -> Path:
    """Where the bot writes its status."""
    return home / FILE_NAME


async def publish(path: Path, snapshot: Callable[[], RuntimeStatus], every_s: float = PUBLISH_S) -> None:
    """Rewrite ``path`` every ``every_s`` until cancelled (atomically: a reader never sees half a file)."""
    while True:
        await asyncio.to_thread(write_status, path, snapshot())
        await asyncio.sleep(every_s)


def write_status(path: Path, status: RuntimeStatus) -> None:
    """Write one status atomically (blocking)."""
    write_atomic(path, json.dumps(asdict(status)).encode())


def read_status(path: Path, max_age_s: float = 5 * PUBLISH_S) -> dict[str, Any] | None:
    """The last status, or None if missing or stale."""
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if time.time() - float(data.get("at", 0)) > max_age_s:
        return None
    return data


def now_status(**fields: Any) -> RuntimeStatus:
    """A status stamped with this process and the current time."""
    return RuntimeStatus(pid=os.getpid(), at=time.time(), **fields)
