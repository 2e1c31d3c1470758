"""Sliding-window rate limits and lock-outs, on an injected clock (virtual time in tests).

One :class:`RateLimiter` counts events per key (an IP address, a phone number, a user name) over a window;
``hit`` records an attempt only when it is allowed, so a blocked client cannot extend its own block by
hammering. :class:`Lockout` is the login variant: failures count, a success clears them, and once the
limit is reached the key stays locked for a fixed time. Memory is bounded: keys whose window has passed
are dropped, and at most ``max_keys`` keys are tracked (the oldest go first), so a flood of spoofed keys
cannot grow the process.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass

from ivr.clock import Clock


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` events per ``window_s`` seconds."""

    count: int
    window_s: float


class RateLimiter:
    """Allow at most ``limit.count`` events per key in any ``limit.window_s`` window."""

    def __init__(self, limit: Limit, clock: Clock, max_keys: int = 10_000) -> None:
        self.limit = limit
        self._clock = clock
        self._max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.limit.window_s:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def allowed(self, key: str) -> bool:
        """Tell whether one more event for ``key`` would be allowed now (nothing is recorded)."""
        return len(self._recent(key, self._clock.monotonic())) < self.limit.count

    def hit(self, key: str) -> bool:
        """Record one event for ``key`` if allowed; ``False`` (nothing recorded) when over the limit."""
        now = self._clock.monotonic()
        events = self._recent(key, now)
        if len(events) >= self.limit.count:
            return False
        if key not in self._events:
            self._events[key] = events
            while len(self._events) > self._max_keys:
                self._events.popitem(last=False)
        events.append(now)
        return True

    def forget(self, key: str) -> None:
        """Drop ``key``'s history."""
        self._events.pop(key, None)

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        now = self._clock.monotonic()
        events = self._recent(key, now)
        if len(events) < self.limit.count:
            return 0.0
        return max(0.0, events[0] + self.limit.window_s - now)


class Lockout:
    """``limit.count`` failures within ``limit.window_s`` lock a key for ``lock_s`` seconds."""

    def __init__(self, limit: Limit, lock_s: float, clock: Clock, max_keys: int = 10_000) -> None:
        self._failures = RateLimiter(limit, clock, max_keys)
        self._lock_s = lock_s
        self._clock = clock
        self._locked_until: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys

    def locked(self, key: str) -> bool:
        """Tell whether ``key`` is locked out right now."""
        until = self._locked_until.get(key)
        if until is None:
            return False
        if self._clock.monotonic() >= until:
            del self._locked_until[key]
            return False
        return True

    def failure(self, key: str) -> bool:
        """Count a failure; ``True`` when this failure locks the key."""
        if self._failures.hit(key) and self._failures.allowed(key):
            return False
        self._locked_until[key] = self._clock.monotonic() + self._lock_s
        while len(self._locked_until) > self._max_keys:
            self._locked_until.popitem(last=False)
        return True

    def success(self, key: str) -> None:
        """A success clears the key's failures (not an active lock)."""
        self._failures.forget(key)

