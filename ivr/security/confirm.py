"""SMS confirmation codes: a callback asked for on the public chat is scheduled only once its code comes back.

Without it, anyone could make the city call any number (call bombing) just by typing it. The request is
held in memory (a restart only means asking again), keyed by a random token that the page keeps; the code
is 6 digits, expires after ``ttl_s``, and a request is dropped after ``attempts`` wrong codes, so guessing
it (1 in a million per try) is out of reach. Memory is bounded by ``max_pending``.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from ivr.clock import Clock
from ivr.errors import IvrError

T = TypeVar("T")


class ConfirmationFailed(IvrError):
    """Unknown or expired token, wrong code, or too many tries."""

    code = "confirmation_failed"
    retryable = False


@dataclass(slots=True)
class _Pending(Generic[T]):
    code: str
    payload: T
    expires_at: float
    tries_left: int


@dataclass(frozen=True, slots=True)
class Challenge:
    """What ``start`` returns: the token for the page, the code for the SMS."""

    token: str
    code: str


class Confirmations(Generic[T]):
    """Requests waiting for the code sent by SMS."""

    def __init__(self, clock: Clock, ttl_s: float = 600.0, attempts: int = 3, max_pending: int = 1000) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._attempts = attempts
        self._max_pending = max_pending
        self._pending: OrderedDict[str, _Pending[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def start(self, payload: T) -> Challenge:
        """Hold ``payload`` until its code is confirmed; returns the token and the code to send."""
        self._drop_expired()
        token = secrets.token_urlsafe(18)
        code = f"{secrets.randbelow(1_000_000):06d}"
        self._pending[token] = _Pending(code, payload, self._clock.monotonic() + self._ttl_s, self._attempts)
        while len(self._pending) > self._max_pending:
            self._pending.popitem(last=False)
        return Challenge(token, code)

    def confirm(self, token: str, code: str) -> T:
        """The held payload if ``code`` is right (once); raises :class:`ConfirmationFailed` otherwise."""
        self._drop_expired()
        pending = self._pending.get(token)
        if pending is None:
            raise ConfirmationFailed("unknown or expired confirmation")
        if hmac.compare_digest(pending.code, code.strip()):
            del self._pending[token]
            return pending.payload
        pending.tries_left -= 1
        if pending.tries_left <= 0:
            del self._pending[token]
            raise ConfirmationFailed("wrong code, too many tries: ask again")
        raise ConfirmationFailed("wrong code")

    def _drop_expired(self) -> None:
        now = self._clock.monotonic()
        for token in [t for t, p in self._pending.items() if p.expires_at <= now]:
            del self._pending[token]
