"""Waiting for a background loop's work in tests: on a condition, never a fixed sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0, step_s: float = 0.02) -> None:
    """Return once ``await check()`` holds; ``AssertionError`` after ``timeout_s`` (a busy machine may be slow)."""
    for _ in range(int(timeout_s / step_s)):
        if await check():
            return
        await asyncio.sleep(step_s)
    raise AssertionError("condition not reached")
