"""The web app's abuse guards, built once per app from the settings and the injected clock.

Keys are the client address as the socket sees it: behind a reverse proxy every request comes from the
proxy, so run the proxy with its own per-address limits (``X-Forwarded-For`` is not trusted here, since
anyone can send it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from fastapi import Request

from ivr.clock import Clock
from ivr.config import SecuritySettings, WebSettings
from ivr.security.confirm import Confirmations
from ivr.security.ratelimit import Limit, Lockout, RateLimiter

HOUR_S = 3600.0
LOGIN_WINDOW_S = 900.0


@dataclass(frozen=True, slots=True)
class ChatCallback:
    """A chat callback request waiting for its SMS code."""

    number: str
    name: str
    service: str
    lang: str
    question: str


@dataclass(frozen=True, slots=True)
class Guards:
    """Per-process limiters and the pending chat confirmations."""

    login_user: Lockout
    login_ip: Lockout
    chat_callback_ip: RateLimiter
    chat_callback_number: RateLimiter
    chat_confirm_ip: RateLimiter
    confirmations: Confirmations[ChatCallback]

    @classmethod
    def build(cls, sec: SecuritySettings, clock: Clock) -> Guards:
        """Limits from ``security.*``."""
        return cls(
            login_user=Lockout(Limit(sec.login_failures_user, LOGIN_WINDOW_S), sec.login_lock_s, clock),
            login_ip=Lockout(Limit(sec.login_failures_ip, LOGIN_WINDOW_S), sec.login_lock_s, clock),
            chat_callback_ip=RateLimiter(Limit(sec.chat_callbacks_per_ip_hour, HOUR_S), clock),
            # a code per number per 20 minutes at most: a victim's phone is not flooded with codes
            chat_callback_number=RateLimiter(Limit(3, HOUR_S), clock),
            chat_confirm_ip=RateLimiter(Limit(5 * sec.chat_code_attempts, HOUR_S), clock),
            confirmations=Confirmations(clock, sec.chat_code_ttl_s, sec.chat_code_attempts),
        )


def client_ip(request: Request) -> str:
    """The peer address (``unknown`` if the server did not give one)."""
    return request.client.host if request.client else "unknown"


def secure_cookies(web: WebSettings) -> bool:
    """``security``'s cookie rule: ``auto`` marks cookies ``Secure`` unless the app listens on loopback only."""
    if web.secure_cookies in ("on", "off"):
        return web.secure_cookies == "on"
    try:
        return not ipaddress.ip_address(web.host).is_loopback
    except ValueError:
        return web.host != "localhost"
