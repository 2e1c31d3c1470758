"""The city's figures for the supervisor: period view with trends, CSV export, printable monthly report."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ivr.store.figures_query import FiguresRepository, Period
from ivr.web.deps import Supervisor, WebState, render, state
from ivr.web.figures_view import (
    CHANNELS,
    MONTHS,
    PERIODS,
    choice,
    csv_text,
    month_period,
    named_period,
    pct,
    seconds,
    trends,
)

router = APIRouter()


def _repo(web: WebState) -> FiguresRepository:
    d = web.ctx.settings.dialog
    return FiguresRepository(web.ctx.sessions, reception=d.reception_service,
                             promise=timedelta(hours=d.callback_promise_h))


def _names(web: WebState) -> dict[str, str]:
    kb = web.ctx.knowledge.kb
    names = {sid: s.name.get("fr", sid) for sid, s in kb.services.items()}
    return names | {iid: iid for iid in kb.intents}


@router.get("/supervisor/figures")
async def figures_page(request: Request, user: Supervisor, period: str | None = None,
                       channel: str | None = None) -> Response:
    """The figures of today, 7 or 30 days, per channel, with a per-day chart."""
    web = state(request)
    tz = web.ctx.settings.dialog.timezone
    now = web.ctx.clock.now()
    ch = choice(period, channel)
    repo = _repo(web)
    p = named_period(ch.period, ch.channel, now, tz)
    total = await repo.figures(p, now)
    days = await repo.daily(p, now, tz)
    return render(request, "figures.html", user=user, f=total, d=total.as_dict(), chart=trends(days),
                  periods=PERIODS, channels=CHANNELS, chosen=ch, pct=pct, seconds=seconds,
                  month=month_period(None, now, tz)[0].strftime("%Y-%m"))


@router.get("/supervisor/figures.csv")
async def figures_csv(request: Request, _user: Supervisor, period: str | None = None,
                      channel: str | None = None, month: str | None = None) -> Response:
    """The per-day figures of a named period (or of ``month=YYYY-MM``) and their total, as CSV."""
    web = state(request)
    tz = web.ctx.settings.dialog.timezone
    now = web.ctx.clock.now()
    ch = choice(period, channel)
    p = month_period(month, now, tz)[1] if month else named_period(ch.period, ch.channel, now, tz)
    repo = _repo(web)
    body = csv_text(await repo.daily(p, now, tz), await repo.figures(p, now))
    name = f"chiffres-{p.start.date().isoformat()}-{(p.end - timedelta(days=1)).date().isoformat()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/supervisor/report")
async def monthly_report(request: Request, user: Supervisor, month: str | None = None) -> Response:
    """A month on one printable page (print it to PDF from the browser) for a council note."""
    web = state(request)
    tz = web.ctx.settings.dialog.timezone
    now = web.ctx.clock.now()
    first, p = month_period(month, now, tz)
    repo = _repo(web)
    total = await repo.figures(p, now)
    phone = await repo.figures(Period(p.start, p.end, "phone"), now)
    chat = await repo.figures(Period(p.start, p.end, "chat"), now)
    days = await repo.daily(p, now, tz)
    return render(request, "report.html", user=user, first=first, f=total, d=total.as_dict(), phone=phone.as_dict(),
                  chat=chat.as_dict(), chart=trends(days), names=_names(web), pct=pct, seconds=seconds,
                  month=first.strftime("%Y-%m"), month_name=f"{MONTHS[first.month - 1]} {first.year}")
