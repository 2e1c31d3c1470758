"""The in-process bot's memory, measured so that a per-call leak shows and the allocator's high-water mark does not.

Issue 11 measured the bot's RSS over batches of 20 SIPp calls: it grows by tens of MB after the first loaded
batch and then stays flat, and ``malloc_trim`` gives back 130-175 MB each time: glibc keeps freed native memory
(whisper/ctranslate2, onnxruntime and numpy buffers sized by the largest batch) in its arenas. RSS alone cannot
tell a leak of 50 KB per call from that noise. What does: the structures kept per call coming back to their
idle size, the asyncio task count coming back, and the Python heap (``tracemalloc``) not growing with the calls.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import os
import tracemalloc
from dataclasses import dataclass, field

import psutil

NOT_PER_CALL = frozenset({"history_calls"})
"""Held structures bounded by design rather than emptied (the event history keeps its last calls)."""


@dataclass(frozen=True, slots=True)
class HeapMark:
    """The bot process's memory at one point, after returning free memory to the system."""

    rss_mb: float
    """Resident size after ``gc.collect()`` and ``malloc_trim(0)`` (what is really held)."""
    python_mb: float
    """Python heap traced by ``tracemalloc`` since it started (0 when not tracing)."""
    tasks: int
    held: dict[str, int] = field(default_factory=dict)
    """The bot's per-call structures (``Bot.held()``)."""


def release_free_memory() -> bool:
    """Collect cycles and hand glibc's free arena pages back to the system; False if not on glibc."""
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")  # glibc's soname (find_library would run ldconfig)
    except OSError:
        return False
    if not hasattr(libc, "malloc_trim"):
        return False
    libc.malloc_trim(0)
    return True


def heap_mark(held: dict[str, int]) -> HeapMark:
    """The current process now (call from inside its event loop)."""
    release_free_memory()
    python = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
    return HeapMark(round(psutil.Process(os.getpid()).memory_info().rss / 2**20, 1), round(python / 2**20, 2),
                    len(asyncio.all_tasks()), dict(held))


def held_growth(before: HeapMark, after: HeapMark) -> dict[str, int]:
    """Per-call structures bigger than at ``before`` (the bounded-by-design ones left out)."""
    return {k: n - before.held.get(k, 0) for k, n in after.held.items()
            if k not in NOT_PER_CALL and n > before.held.get(k, 0)}
