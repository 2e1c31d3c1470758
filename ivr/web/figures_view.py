"""The figures as the supervisor sees them: named periods, per-day trend charts, CSV, the monthly report.

Pure helpers (periods in local days, chart series, CSV text); ``routes.figures`` only reads the store and
renders. Definitions of each figure live in ``ivr.store.figures``.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ivr.store.figures import Channel, Figures
from ivr.store.figures_query import DayFigures, Period, local_days
from ivr.web.charts import trend_chart

PERIODS: dict[str, tuple[int, str]] = {"today": (1, "Aujourd'hui"), "7d": (7, "7 jours"), "30d": (30, "30 jours")}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
CHANNELS: dict[str, str] = {"": "Téléphone et chat", "phone": "Téléphone", "chat": "Chat"}
CSV_COLUMNS = ("day", "calls", "resolved_first_level", "resolved_by_bot", "resolved_by_reception",
               "handed_to_service", "unanswered", "abandoned_in_queue", "callbacks_requested", "callbacks_completed",
               "emergencies", "wait_avg_s", "wait_p90_s", "first_level_rate", "unanswered_rate")
SERIES_COLOURS = {"appels": "#1565c0", "1er niveau": "#2e7d32", "services": "#f9a825", "sans réponse": "#c62828"}


@dataclass(frozen=True, slots=True)
class Choice:
    """What the page was asked for."""

    period: str
    channel: Channel | None


def choice(period: str | None, channel: str | None) -> Choice:
    """Unknown values fall back to the defaults (7 days, both channels) rather than failing."""
    p = period if period in PERIODS else "7d"
    c: Channel | None = "phone" if channel == "phone" else "chat" if channel == "chat" else None
    return Choice(p, c)


def named_period(name: str, channel: Channel | None, now: datetime, tz: str) -> Period:
    """``today``, ``7d`` or ``30d``: that many local days ending today."""
    days = PERIODS[name][0]
    today = now.astimezone(ZoneInfo(tz)).date()
    p = local_days(today - timedelta(days=days - 1), today, tz)
    return Period(p.start, p.end, channel)


def month_period(month: str | None, now: datetime, tz: str) -> tuple[date, Period]:
    """The local calendar month ``YYYY-MM`` (default: the previous month, the one a council note reports on)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if month:
        with contextlib.suppress(ValueError):
            first = date.fromisoformat(f"{month}-01")
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, local_days(first, nxt - timedelta(days=1), tz)


def pct(x: float | None) -> str:
    """A rate as French text."""
    return "—" if x is None else f"{x * 100:.0f} %"


def seconds(x: float | None) -> str:
    """A wait as French text."""
    if x is None:
        return "—"
    s = round(x)
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def row(day: date | None, f: Figures) -> dict[str, Any]:
    """One CSV line (``day`` empty for the whole period)."""
    d = f.as_dict()
    return {"day": day.isoformat() if day else "total", **{k: d[k] for k in CSV_COLUMNS if k != "day"}}


def csv_text(days: Sequence[DayFigures], total: Figures) -> str:
    """The per-day figures then the period's total, comma-separated, one header line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for d in days:
        writer.writerow(row(d.day, d.figures))
    writer.writerow(row(None, total))
    return out.getvalue()


def trends(days: Sequence[DayFigures]) -> str:
    """The per-day chart: calls, first level, specialised services, unanswered."""
    labels = [d.day.strftime("%d/%m") for d in days]
    series = {
        "appels": [float(d.figures.calls) for d in days],
        "1er niveau": [float(d.figures.resolved_first_level) for d in days],
        "services": [float(d.figures.as_dict()["handed_to_service"]) for d in days],
        "sans réponse": [float(d.figures.as_dict()["unanswered"]) for d in days],
    }
    return trend_chart(labels, series, SERIES_COLOURS, title="Par jour")
