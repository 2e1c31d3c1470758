"""Login, logout and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ivr.web.app import _lookup, render, state
from ivr.web.auth import SESSION_COOKIE, SESSION_MAX_AGE_S, WebUser, current_user, renew_csrf, verify_password

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
    user = await current_user(request, web.signer, lambda n: _lookup(web, n))
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
    """Check the password and open a session."""
    web = state(request)
    record = await web.users.get(name.strip())
    if record is None or not record.active or not verify_password(record.password_hash, password):
        return render(request, "login.html", status=401, next=_safe_next(next) or "",
                      error="Nom d'utilisateur ou mot de passe incorrect.")
    user = WebUser(record.name, record.role)
    target = _safe_next(next) or HOME_BY_ROLE.get(user.role, "/")
    response = RedirectResponse(target, status_code=303)
    renew_csrf(request)
    response.set_cookie(SESSION_COOKIE, web.signer.session_cookie(user), max_age=SESSION_MAX_AGE_S,
                        httponly=True, samesite="strict", secure=web.ctx.secure_cookies)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Close the session."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    renew_csrf(request)
    return response
