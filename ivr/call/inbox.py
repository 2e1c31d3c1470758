"""A call's inbox: what the caller did (digits, speech, hang-up), bounded.

Why bounded: a keypad flood (an autodialer, a stuck key) must not grow memory without end or queue minutes of
work. Past ``maxsize`` pending inputs, new ones are dropped and counted; an *essential* input (the hang-up,
a broken media path) always gets in, pushing out the oldest pending one. 32 is far more than any person keys
ahead of the bot (a menu choice is one digit; a number ten), and a flood drains in a few prompts.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_INBOX = 32


class Inbox(Generic[T]):
    """A bounded FIFO of inputs with an ``await get()``."""

    def __init__(self, maxsize: int = DEFAULT_INBOX) -> None:
        self._items: collections.deque[T] = collections.deque()
        self._maxsize = maxsize
        self._ready = asyncio.Event()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T, *, essential: bool = False) -> bool:
        """Queue ``item``; False if dropped (inbox full and not essential)."""
        if len(self._items) >= self._maxsize:
            if not essential:
                self.dropped += 1
                if self.dropped == 1:
                    log.warning("call inbox full (%d inputs pending): dropping inputs", self._maxsize)
                return False
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        self._ready.set()
        return True

    async def get(self) -> T:
        """The oldest pending input (waits for one)."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()
