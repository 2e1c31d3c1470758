"""``ivr stats [--json] [--since DATE] [--until DATE] [--channel phone|chat] [--by-day]``: the city's figures."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ivr.clock import SystemClock
from ivr.config import Settings
from ivr.errors import ConfigError
from ivr.store.db import Database, migrate
from ivr.store.figures import Figures
from ivr.store.figures_query import FiguresRepository, Period, local_days

DEFAULT_DAYS = 30


def register(sub: Any) -> None:
    """Add the ``stats`` command."""
    p = sub.add_parser("stats", help="the city's figures (first-level rate, unanswered, waits, top intents)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--since", help=f"first local day, YYYY-MM-DD (default: {DEFAULT_DAYS} days ago)")
    p.add_argument("--until", help="last local day included, YYYY-MM-DD (default: today)")
    p.add_argument("--channel", choices=("phone", "chat"), help="one channel only (default: both)")
    p.add_argument("--by-day", action="store_true", help="add the figures of each day")
    p.set_defaults(func=_stats)


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def period_of(args: argparse.Namespace, now: datetime, tz: str) -> Period:
    """The period the arguments name, in local days."""
    today = now.astimezone(ZoneInfo(tz)).date()
    until = _day(args.until, today)
    since = _day(args.since, until - timedelta(days=DEFAULT_DAYS - 1))
    if since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    p = local_days(since, until, tz)
    return Period(p.start, p.end, args.channel)


async def _compute(settings: Settings, period: Period, now: datetime, by_day: bool) -> dict[str, Any]:
    await migrate(settings.database_url)
    d = settings.dialog
    async with Database(settings.database_url) as db:
        repo = FiguresRepository(db.sessions, reception=d.reception_service,
                                 promise=timedelta(hours=d.callback_promise_h))
        out = {"since": period.start.isoformat(), "until": period.end.isoformat(), "channel": period.channel or "all",
               **(await repo.figures(period, now)).as_dict()}
        if by_day:
            out["days"] = [{"day": x.day.isoformat(), **_brief(x.figures)}
                           for x in await repo.daily(period, now, d.timezone)]
    return out


def _brief(f: Figures) -> dict[str, Any]:
    full = f.as_dict()
    return {k: full[k] for k in ("calls", "resolved_first_level", "handed_to_service", "unanswered",
                                 "callbacks_requested", "wait_avg_s")}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    now = SystemClock().now()
    period = period_of(args, now, settings.dialog.timezone)
    out = asyncio.run(_compute(settings, period, now, args.by_day))
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{out['since'][:10]} .. {out['until'][:10]} (exclusive), channel: {out['channel']}")
    print(f"  conversations        {out['calls']}")
    print(f"  first level          {out['resolved_first_level']} ({_pct(out['first_level_rate'])}): "
          f"bot {out['resolved_by_bot']}, reception {out['resolved_by_reception']}")
    print(f"  specialised service  {out['handed_to_service']} ({_pct(out['handed_rate'])})")
    print(f"  unanswered           {out['unanswered']} ({_pct(out['unanswered_rate'])})")
    print(f"  callbacks            {out['callbacks_requested']} asked, {out['callbacks_completed']} kept, "
          f"{out['callbacks_late']} late, {out['callbacks_failed']} failed, {out['callbacks_pending']} waiting")
    print(f"  wait                 avg {out['wait_avg_s']} s, p90 {out['wait_p90_s']} s ({out['waits']} waits)")
    print(f"  emergencies          {out['emergencies']}")
    for t in out["top_intents"]:
        print(f"    {t['count']:5d}  {t['intent']}")
    return 0
