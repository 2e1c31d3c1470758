"""Supervision: a background task of the bot that dies takes the process down with it, loudly.

Why: the router, the SMS outbox, the web server, the store writer... each is one asyncio task. One of them
crashing used to leave a half-dead process: calls answered but never routed, SMS never sent, consoles gone,
and systemd or compose none the wiser. The bot's tasks run forever by design, so any of them *ending*
(an exception, or even a return) is a fault: we log it at CRITICAL, send the calls still on the line to
reception, and exit non-zero so the supervisor (``docker/systemd/ivr.service``, compose ``restart:``) starts
a fresh process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

EXIT_TASK_DIED = 70
"""``EX_SOFTWARE`` from sysexits.h: an internal error, restart me."""


async def first_to_end(tasks: Sequence[asyncio.Task[object]], stop: asyncio.Event) -> asyncio.Task[object] | None:
    """Wait for ``stop`` (returns ``None``) or for one of ``tasks`` to end (returns it)."""
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    ended = [t for t in done if t is not stopper]
    return ended[0] if ended else None


def describe(task: asyncio.Task[object]) -> str:
    """One line saying which task ended and how."""
    if task.cancelled():
        return f"task {task.get_name()!r} was cancelled"
    exc = task.exception()
    if exc is None:
        return f"task {task.get_name()!r} returned (it should run forever)"
    return f"task {task.get_name()!r} crashed: {exc!r}"
