"""The async shell around :class:`~ivr.remote.pool.ServerPool`: requests with failover, and health probes.

Each request opens its own connection (Wyoming servers answer one request per connection, and a fresh
connection cannot carry a half-read reply from an abandoned one). A request that fails or times out marks
its server down and is retried once on the next server; when none is left the caller gets ``None`` and uses
its in-process engine. A background task probes every server with ``describe`` so a dead one is noticed
before a caller waits on it, and a revived one comes back without waiting for a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from wyoming.client import AsyncClient
from wyoming.info import Describe, Info

from ivr.remote.pool import ServerPool, ServerView

log = logging.getLogger(__name__)

T = TypeVar("T")
Request = Callable[[AsyncClient], Awaitable[T]]

PROBE_INTERVAL_S = 2.0
"""Seconds between health probes: a dead server is out of the rotation within about this long."""
CONNECT_TIMEOUT_S = 1.0


async def probe(uri: str, timeout_s: float = 2.0) -> Info | None:
    """Ask a server to describe itself; ``None`` if it does not answer in time."""
    try:
        async with asyncio.timeout(timeout_s):
            async with AsyncClient.from_uri(uri, connect_timeout=CONNECT_TIMEOUT_S) as client:
                await client.write_event(Describe().event())
                while (event := await client.read_event()) is not None:
                    if Info.is_type(event.type):
                        return Info.from_event(event)
    except (OSError, TimeoutError, ValueError) as exc:
        log.debug("wyoming probe of %s failed: %s", uri, exc)
    return None


class WyomingPool:
    """Servers of one engine, with failover and a health-probe task started on first use."""

    def __init__(self, name: str, uris: Sequence[str], *, timeout_s: float) -> None:
        self.name = name
        self.pool = ServerPool(uris, time.monotonic)
        self.timeout_s = timeout_s
        self._prober: asyncio.Task[None] | None = None

    async def request(self, run: Request[T]) -> T | None:
        """Run ``run(client)`` on the best server, failing over once per server; ``None`` if all failed."""
        self._ensure_prober()
        tried: set[str] = set()
        while (uri := self.pool.pick()) is not None:
            if uri in tried:
                self.pool.done(uri, ok=True)  # picked again: every server has been tried
                break
            tried.add(uri)
            ok = False
            try:
                async with asyncio.timeout(self.timeout_s):
                    async with AsyncClient.from_uri(uri, connect_timeout=CONNECT_TIMEOUT_S) as client:
                        result = await run(client)
                ok = True
                return result
            except (OSError, TimeoutError, ValueError, EOFError, ConnectionError) as exc:
                log.warning("wyoming %s server %s failed (%s): trying the next one", self.name, uri,
                            type(exc).__name__)
            finally:
                self.pool.done(uri, ok=ok)
        return None

    @property
    def fallbacks(self) -> int:
        """Requests that found no server answering and went to the in-process engine."""
        return self.pool.fallbacks

    def view(self) -> list[ServerView]:
        """Every server's health and load."""
        return self.pool.view()

    def _ensure_prober(self) -> None:
        if self._prober is None or self._prober.done():
            self._prober = asyncio.get_running_loop().create_task(self._probe_forever())

    async def _probe_forever(self) -> None:
        while True:
            for uri in self.pool.uris():
                if await probe(uri) is None:
                    self.pool.mark_down(uri)
                else:
                    self.pool.mark_up(uri)
            await asyncio.sleep(PROBE_INTERVAL_S)

    async def aclose(self) -> None:
        """Stop probing."""
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
            self._prober = None
