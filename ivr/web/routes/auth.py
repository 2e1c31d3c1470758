"""Login, logout and the home page."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ivr.web.auth import SESSION_COOKIE, SESSION_MAX_AGE_S, WebUser, check_password, current_user, renew_csrf
from ivr.web.deps import lookup_user, render, state
from ivr.web.guards import client_ip

log = logging.getLogger(__name__)
router = APIRouter()

HOME_BY_ROLE = {"agent": "/agent", "supervisor": "/supervisor", "admin": "/admin"}


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
async def home(request: Request) -> Response:
    """Send users to their console; others to the login page."""
    web = state(request)
    user = await current_user(request, web.signer, lambda n: lookup_user(web, n))
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_BY_ROLE.get(user.role, "/login"), status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return render(request, "login.html", next=_safe_next(next) or "", error="")


@router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password and open a session (per-user and per-address lock-out after repeated failures)."""
    web = state(request)
    name, ip = name.strip()[:64], client_ip(request)
    guards = web.guards
    if guards.login_user.locked(name) or guards.login_ip.locked(ip):
        log.warning("login refused: locked out after repeated failures")
        return render(request, "login.html", status=429, next=_safe_next(next) or "",
                      error="Trop d'essais : réessayez dans quelques minutes.")
    record = await web.users.get(name)
    usable = record is not None and record.active
    if not await check_password(record.password_hash if record is not None and usable else None, password):
        user_locked = guards.login_user.failure(name)
        if guards.login_ip.failure(ip) or user_locked:
            log.warning("login: too many failures, locking the name and the address for a while")
        return render(request, "login.html", status=401, next=_safe_next(next) or "",
                      error="Nom d'utilisateur ou mot de passe incorrect.")
    assert record is not None
    guards.login_user.success(name)
    user = WebUser(record.name, record.role, record.session_version)
    target = _safe_next(next) or HOME_BY_ROLE.get(user.role, "/")
    response = RedirectResponse(target, status_code=303)
    renew_csrf(request)
    response.set_cookie(SESSION_COOKIE, web.signer.session_cookie(user), max_age=SESSION_MAX_AGE_S,
                        httponly=True, samesite="strict", secure=web.secure)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Close the session: the account's session version moves on, so a copy of the cookie is dead too."""
    web = state(request)
    user = await current_user(request, web.signer, lambda n: lookup_user(web, n))
    if user is not None:
        await web.users.revoke_sessions(user.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    renew_csrf(request)
    return response
