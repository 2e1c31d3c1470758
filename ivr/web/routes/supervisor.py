"""The supervisor dashboard: queues live from AMI, calls in the bot, today's figures, charts; SSE updates."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ivr.call.events import CallbackScheduled, Handoff, Hangup, Started
from ivr.store.console import outcomes_by_service
from ivr.store.stats import day_bounds
from ivr.web.charts import bar_chart, stacked_bars
from ivr.web.deps import Supervisor, WebState, render, state

router = APIRouter()
FRAGMENTS = ("queues", "calls", "today")
OUTCOME_LABELS = {"resolved": "résolu", "transferred": "transféré", "callback": "rappel", "abandoned": "abandon",
                  "emergency": "urgence", "failed": "échec"}
REFRESH_S = 5.0
"""Queue waits and call durations are re-rendered at least this often."""


def mask_number(number: str) -> str:
    """Show only the last two digits of a caller's number."""
    digits = [c for c in number if c.isdigit()]
    return "•• •• •• " + "".join(digits[-2:]) if len(digits) >= 4 else "—"


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(seconds)
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


async def _today(web: WebState) -> dict[str, Any]:
    ctx = web.ctx
    tz = ctx.settings.dialog.timezone
    now = ctx.clock.now()
    stats = await web.stats.today(now, tz)
    start, end = day_bounds(now, tz)
    per_service = await outcomes_by_service(ctx.sessions, start, end, ctx.settings.dialog.reception_service)
    kb = ctx.knowledge.kb
    labels = {sid: s.name.get("fr", sid) for sid, s in kb.services.items()} | OUTCOME_LABELS
    zone = ZoneInfo(tz)
    hours = {h.hour.astimezone(zone).hour: h.calls for h in stats.by_hour}
    first, last = min([8, *hours]), max([18, *hours])
    points = [(f"{h}h", hours.get(h, 0)) for h in range(first, last + 1)]
    rate = stats.resolved_rate
    return {
        "stats": stats,
        "resolved_pct": "—" if rate is None else f"{rate * 100:.0f} %",
        "transferred": stats.by_outcome.get("transferred", 0),
        "abandoned": stats.by_outcome.get("abandoned", 0),
        "callbacks_done": stats.callbacks.get("done", 0),
        "avg_wait": _minutes(web.monitor.board.average_wait_s() if web.monitor else None),
        "hour_chart": bar_chart(points, title="Appels par heure"),
        "service_chart": stacked_bars(per_service, labels, title="Issues par service"),
    }


async def fragment(web: WebState, name: str) -> str:
    """Render one dashboard panel."""
    ctx = web.ctx
    values: dict[str, Any] = {"mask": mask_number, "minutes": _minutes}
    if name == "queues":
        now = ctx.clock.monotonic()
        values["queues"] = web.monitor.board.views(now) if web.monitor else []
        values["ami_error"] = ("AMI non configuré" if web.monitor is None else web.monitor.error)
        kb = ctx.knowledge.kb
        values["names"] = {sid: s.name.get("fr", sid) for sid, s in kb.services.items()}
    elif name == "calls":
        now_dt = ctx.clock.now()
        values["calls"] = [(c, (now_dt - c.started_at).total_seconds()) for c in ctx.live.active()]
    elif name == "today":
        values.update(await _today(web))
    else:
        raise ValueError(name)
    return web.templates.get_template(f"_{name}.html").render(**values)


@router.get("/supervisor")
async def dashboard(request: Request, user: Supervisor) -> Response:
    """The dashboard page (panels rendered in place, then kept live over SSE)."""
    web = state(request)
    panels = {name: await fragment(web, name) for name in FRAGMENTS}
    return render(request, "supervisor.html", user=user, panels=panels)


@router.get("/supervisor/panel/{name}")
async def panel(request: Request, name: str, _user: Supervisor) -> Response:
    """One panel alone (fallback when SSE is unavailable)."""
    if name not in FRAGMENTS:
        return Response(status_code=404)
    return HTMLResponse(await fragment(state(request), name))


@router.get("/supervisor/stream", response_class=EventSourceResponse)
async def stream(request: Request, _user: Supervisor) -> AsyncIterator[ServerSentEvent]:
    """Server-sent panels: ``queues``, ``calls`` and ``today`` events carrying HTML for htmx to swap."""
    web = state(request)
    # which panels changed: a set of names, so a slow browser never makes it grow (a queue of names did)
    dirty: set[str] = set()
    changed = asyncio.Event()

    def mark(name: str) -> None:
        dirty.add(name)
        changed.set()

    async def follow_calls() -> None:
        async for event in web.ctx.live.subscribe():
            mark("calls")
            if isinstance(event.body, Started | Hangup | Handoff | CallbackScheduled):
                mark("today")

    async def follow_queues() -> None:
        if web.monitor is None:
            return
        while True:
            async with web.monitor.changed:
                await web.monitor.changed.wait()
            mark("queues")

    tasks = [asyncio.create_task(follow_calls()), asyncio.create_task(follow_queues())]
    try:
        yield ServerSentEvent(comment="connected", retry=2000)
        while True:
            try:
                await asyncio.wait_for(changed.wait(), REFRESH_S)
            except TimeoutError:
                dirty.update(("queues", "calls"))
            await asyncio.sleep(0.1)  # coalesce bursts
            changed.clear()
            names = set(dirty)
            dirty.clear()
            for name in FRAGMENTS:
                if name in names:
                    yield ServerSentEvent(raw_data=await fragment(web, name), event=name)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
