"""A recognition deadline measured on the injected clock.

Past ``asr.deadline_s`` after the end of speech the caller must hear something (issue 9: 5–19 s of
silence made citizens hang up), so the session stops waiting and tells the dialog ``RecognitionLate``.
The late recognition is cancelled: a job still queued in the whisper worker is dropped, which also
shortens the backlog that made it late.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from ivr.clock import Clock

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Late:
    """The awaited result did not arrive within ``after_s`` seconds."""

    after_s: float


async def within(work: Awaitable[T], clock: Clock, seconds: float) -> T | Late:
    """Await ``work`` for at most ``seconds`` of ``clock`` time; on time-out cancel it and return ``Late``.

    Errors raised by ``work`` propagate. ``seconds <= 0`` disables the deadline.
    """
    task = asyncio.ensure_future(work)
    if seconds <= 0:
        return await task
    timer = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        timer.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return Late(seconds)
