"""Accounts: argon2 password hashes, a signed session cookie, CSRF tokens and role checks.

Sessions carry the account's ``session_version``: logout and password changes bump it, so every cookie
issued before stops working at once (a stolen cookie dies with the logout). Password checks run in a
worker thread (argon2 takes ~50 ms of CPU: in the event loop it would stall the calls' audio), and an
unknown user name is checked against a dummy hash so that the response time does not reveal which names
exist.

Roles are ordered ``agent < supervisor < admin``: a page requiring ``supervisor`` is open to admins too.
CSRF: a random token lives in a signed cookie and must come back with every POST (form field ``csrf`` or
header ``X-CSRF-Token``, which htmx and the page scripts send); it is renewed at login and logout.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

ROLES: tuple[str, ...] = ("agent", "supervisor", "admin")
SESSION_COOKIE = "ivr_session"
CSRF_COOKIE = "ivr_csrf"
SESSION_MAX_AGE_S = 12 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether ``password`` matches ``password_hash`` (never raises)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
"""Checked when the user does not exist: the same argon2 work as a real account."""


async def check_password(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` in a worker thread; ``None`` (unknown user) costs the same and fails."""
    ok = await asyncio.to_thread(verify_password, password_hash or _DUMMY_HASH, password)
    return ok and password_hash is not None


def role_allows(role: str, needed: str) -> bool:
    """Tell whether a user with ``role`` may open a page needing ``needed``."""
    if role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True, slots=True)
class WebUser:
    """A logged-in user."""

    name: str
    role: str
    version: int = 0
    """The account's session version when the cookie was issued."""


class LoginRequired(Exception):
    """No valid session: HTML pages redirect to the login page, APIs answer 401."""


class Forbidden(Exception):
    """Logged in, but the role is too low (or the CSRF token is wrong)."""


class Signer:
    """Signs and reads the session and CSRF cookies."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("web secret is empty")
        self._session = URLSafeTimedSerializer(secret, salt="ivr-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="ivr-csrf")

    def session_cookie(self, user: WebUser) -> str:
        """Return the cookie value for a fresh session."""
        return self._session.dumps({"u": user.name, "r": user.role, "v": user.version})

    def read_session(self, value: str | None) -> WebUser | None:
        """Return the session's user, or ``None`` when missing, forged or expired."""
        if not value:
            return None
        try:
            data = self._session.loads(value, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or data.get("r") not in ROLES:
            return None
        version = data.get("v", 0)
        return WebUser(data["u"], data["r"], version if isinstance(version, int) else -1)

    def csrf_cookie(self, token: str) -> str:
        """Return the signed cookie value carrying ``token``."""
        return self._csrf.dumps(token)

    def read_csrf(self, value: str | None) -> str | None:
        """Return the token in a CSRF cookie, or ``None``."""
        if not value:
            return None
        try:
            token = self._csrf.loads(value)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None


def csrf_token(request: Request, signer: Signer) -> str:
    """Return the browser's CSRF token, creating one (set as a cookie by the app's middleware) if needed."""
    existing = getattr(request.state, "csrf", None)
    if isinstance(existing, str):
        return existing
    token = signer.read_csrf(request.cookies.get(CSRF_COOKIE))
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    request.state.csrf = token
    return token


def renew_csrf(request: Request) -> str:
    """Start a new CSRF token (at login and logout)."""
    token = secrets.token_urlsafe(24)
    request.state.new_csrf = token
    request.state.csrf = token
    return token


async def check_csrf(request: Request, signer: Signer) -> None:
    """Raise :class:`Forbidden` when an unsafe request lacks the browser's CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = signer.read_csrf(request.cookies.get(CSRF_COOKIE))
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("CSRF token missing or wrong")


UserLookup = Callable[[str], Awaitable[WebUser | None]]
"""Return the *active* user named so, with their current role and session version (``None`` if unknown
or disabled)."""


async def current_user(request: Request, signer: Signer, lookup: UserLookup) -> WebUser | None:
    """Return the logged-in user, checked against the database (role changes and revocations apply at once)."""
    session = signer.read_session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    user = await lookup(session.name)
    if user is None or user.version != session.version:
        return None
    return user
