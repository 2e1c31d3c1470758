"""The web application: ``create_app(ctx)`` for the bot process (or ``ivr web`` standalone)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ivr.store.audit import AuditLog
from ivr.store.calls import CallRepository
from ivr.store.stats import StatsRepository
from ivr.store.users import UserRepository
from ivr.web.auth import (
    CSRF_COOKIE,
    SESSION_MAX_AGE_S,
    Forbidden,
    LoginRequired,
    Signer,
)
from ivr.web.context import WebContext
from ivr.web.deps import WebState, csrf, render, state
from ivr.web.guards import Guards, secure_cookies
from ivr.web.hardening import SECURITY_HEADERS, BodyLimit, redact_access_log
from ivr.web.queues import QueueMonitor

HERE = Path(__file__).resolve().parent


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or "application/json" in accept or "text/event-stream" in accept


def create_app(ctx: WebContext) -> FastAPI:
    """Build the FastAPI application around ``ctx``."""
    from ivr.web.routes import admin, agent, auth, chat, dialplan, figures, kbform, supervisor

    monitor = QueueMonitor(ctx.ami, ctx.clock) if ctx.ami is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if monitor is not None:
            monitor.start()
        try:
            yield
        finally:
            if monitor is not None:
                await monitor.stop()

    app = FastAPI(title="Mairie — SVI", lifespan=lifespan, dependencies=[Depends(csrf)],
                  docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.web = WebState(
        ctx=ctx, signer=Signer(ctx.settings.secrets.web_secret), templates=templates,
        users=UserRepository(ctx.sessions), calls=CallRepository(ctx.sessions),
        stats=StatsRepository(ctx.sessions), monitor=monitor,
        audit=AuditLog(ctx.sessions), guards=Guards.build(ctx.settings.security, ctx.clock),
        secure=ctx.secure_cookies or secure_cookies(ctx.settings.web),
    )
    app.add_middleware(BodyLimit, max_bytes=ctx.settings.web.max_body_bytes)
    redact_access_log()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def csrf_cookie(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        token = getattr(request.state, "new_csrf", None)
        if isinstance(token, str):
            response.set_cookie(CSRF_COOKIE, state(request).signer.csrf_cookie(token), max_age=SESSION_MAX_AGE_S,
                                httponly=True, samesite="strict", secure=state(request).secure)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request) or request.headers.get("hx-request"):
            return JSONResponse({"error": "login required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": str(exc) or "forbidden"}, status_code=403)
        return render(request, "forbidden.html", status=403, message=str(exc))

    for module in (auth, chat, supervisor, figures, kbform, admin, dialplan, agent):
        app.include_router(module.router)
    return app
