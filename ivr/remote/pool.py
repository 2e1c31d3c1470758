"""Which Wyoming server gets the next request: a pure state machine on an injected monotonic clock.

Least-outstanding-requests balancing (ties broken by the fewest requests served, then by order): a slow
or busy server naturally gets less. A server that fails a request or a health probe is taken out for
``retry_after_s``; after that one request may try it again (half-open), and a successful probe or request
brings it back at once. No server available -> :meth:`ServerPool.pick` returns ``None`` and the engine
falls back to its in-process twin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ivr.errors import ConfigError

RETRY_AFTER_S = 5.0
"""How long a failed server is left alone before one request or probe may try it again."""


@dataclass(slots=True)
class ServerState:
    """What the pool knows about one server."""

    uri: str
    up: bool = True
    """Optimistic at start: the first request or probe tells."""
    inflight: int = 0
    served: int = 0
    failures: int = 0
    down_since: float = 0.0


@dataclass(frozen=True, slots=True)
class ServerView:
    """One server, as ``ivr status`` and the benchmarks show it."""

    uri: str
    up: bool
    inflight: int
    served: int
    failures: int


class ServerPool:
    """The servers of one engine (ASR or TTS) and their health."""

    def __init__(
        self, uris: Sequence[str], clock: Callable[[], float], *, retry_after_s: float = RETRY_AFTER_S
    ) -> None:
        if not uris:
            raise ConfigError("a Wyoming engine needs at least one server URI (tcp://host:port or unix://path)")
        for uri in uris:
            if not uri.startswith(("tcp://", "unix://")):
                raise ConfigError(f"Wyoming server URI {uri!r}: expected tcp://host:port or unix://path")
        self._servers = [ServerState(u) for u in dict.fromkeys(uris)]
        self._clock = clock
        self._retry_after_s = retry_after_s
        self.fallbacks = 0
        """Requests that found no server and went to the in-process engine."""

    def _available(self, s: ServerState) -> bool:
        return s.up or self._clock() - s.down_since >= self._retry_after_s

    def pick(self) -> str | None:
        """The server for the next request (marked in flight), or ``None`` when every server is down."""
        candidates = [s for s in self._servers if self._available(s)]
        if not candidates:
            self.fallbacks += 1
            return None
        best = min(candidates, key=lambda s: (not s.up, s.inflight, s.served))
        if not best.up:
            best.down_since = self._clock()  # half-open: one trial, the others wait another period
        best.inflight += 1
        return best.uri

    def done(self, uri: str, *, ok: bool) -> None:
        """A request picked by :meth:`pick` ended."""
        s = self._get(uri)
        s.inflight = max(0, s.inflight - 1)
        if ok:
            s.served += 1
            s.up = True
        else:
            self.mark_down(uri)

    def mark_up(self, uri: str) -> None:
        """A health probe answered."""
        self._get(uri).up = True

    def mark_down(self, uri: str) -> None:
        """A request or probe failed: leave the server alone for a while."""
        s = self._get(uri)
        s.failures += 1
        s.up = False
        s.down_since = self._clock()

    def uris(self) -> list[str]:
        """Every configured server."""
        return [s.uri for s in self._servers]

    def view(self) -> list[ServerView]:
        """A snapshot of every server."""
        return [ServerView(s.uri, s.up, s.inflight, s.served, s.failures) for s in self._servers]

    def _get(self, uri: str) -> ServerState:
        for s in self._servers:
            if s.uri == uri:
                return s
        raise KeyError(uri)
