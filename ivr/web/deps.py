"""What every web route depends on, in one place: the app's state, the signed-in user by role, rendering.

Routes (``ivr.web.routes.*``) import only from here; ``ivr.web.app`` assembles them. Each dependency is an
``Annotated`` alias (``Web``, ``Agent``, ``Supervisor``, ``Admin``), so a test can replace one with
``app.dependency_overrides[dependency] = ...``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ivr.store.audit import AuditLog
from ivr.store.calls import CallRepository
from ivr.store.stats import StatsRepository
from ivr.store.users import UserRepository
from ivr.web.auth import (
    Forbidden,
    LoginRequired,
    Signer,
    WebUser,
    check_csrf,
    csrf_token,
    current_user,
    role_allows,
)
from ivr.web.context import WebContext
from ivr.web.guards import Guards
from ivr.web.queues import QueueMonitor


class Role(StrEnum):
    """Who may open a page; each role may open the pages of the roles before it."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class WebState:
    """What every route reads from ``request.app.state.web``."""

    ctx: WebContext
    signer: Signer
    templates: Jinja2Templates
    users: UserRepository
    calls: CallRepository
    stats: StatsRepository
    monitor: QueueMonitor | None
    audit: AuditLog
    guards: Guards
    secure: bool
    """Mark cookies ``Secure`` (``web.secure_cookies``, or the context's explicit ``secure_cookies``)."""


def state(request: Request) -> WebState:
    """Return the app's :class:`WebState`."""
    web: WebState = request.app.state.web
    return web


async def lookup_user(web: WebState, name: str) -> WebUser | None:
    """The active account ``name`` as a signed-in user, or None."""
    record = await web.users.get(name)
    if record is None or not record.active:
        return None
    return WebUser(record.name, record.role, record.session_version)


def require(role: Role) -> Callable[[Request], Awaitable[WebUser]]:
    """Return a dependency admitting users whose role is at least ``role``."""

    async def dependency(request: Request) -> WebUser:
        web = state(request)
        user = await current_user(request, web.signer, lambda n: lookup_user(web, n))
        if user is None:
            raise LoginRequired()
        request.state.user = user
        if not role_allows(user.role, role):
            raise Forbidden(f"role {user.role} may not open this page")
        return user

    return dependency


async def csrf(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token."""
    await check_csrf(request, state(request).signer)


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render a page with the user and the CSRF token available to the template."""
    web = state(request)
    values.setdefault("user", getattr(request.state, "user", None))
    values["csrf"] = csrf_token(request, web.signer)
    values["city"] = web.ctx.settings.dialog.city_name
    response: HTMLResponse = web.templates.TemplateResponse(request, template, values, status_code=status)
    return response


Web = Annotated[WebState, Depends(state)]
"""The app's state."""
Agent = Annotated[WebUser, Depends(require(Role.AGENT))]
"""A signed-in agent (or higher)."""
Supervisor = Annotated[WebUser, Depends(require(Role.SUPERVISOR))]
"""A signed-in supervisor (or admin)."""
Admin = Annotated[WebUser, Depends(require(Role.ADMIN))]
"""A signed-in admin."""
