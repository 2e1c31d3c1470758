"""``ivr calls list`` and ``ivr db upgrade|current|purge``."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from ivr.clock import SystemClock
from ivr.config import Settings
from ivr.store.calls import CallRepository
from ivr.store.db import Database, current_revision, head_revision, migrate
from ivr.store.records import CallSummary
from ivr.store.retention import purge_expired


def register(sub: Any) -> None:
    """Add the ``calls`` and ``db`` commands."""
    calls = sub.add_parser("calls", help="calls stored in the database")
    calls_sub = calls.add_subparsers(dest="calls_command", required=True)
    lst = calls_sub.add_parser("list", help="recent calls, newest first")
    lst.add_argument("--json", action="store_true", help="one JSON array (id, started_at, outcome, intents...)")
    lst.add_argument("--limit", type=int, default=20, help="how many calls (default 20)")
    lst.set_defaults(func=_calls_list)

    db = sub.add_parser("db", help="database schema and retention")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=_db_upgrade)
    db_sub.add_parser("current", help="show the schema revision").set_defaults(func=_db_current)
    purge = db_sub.add_parser("purge", help="erase personal data older than the retention period")
    purge.add_argument("--days", type=int, default=None, help="override store.retention_days")
    purge.set_defaults(func=_db_purge)


async def _recent(url: str, limit: int) -> list[CallSummary]:
    await migrate(url)
    async with Database(url) as db:
        return await CallRepository(db.sessions).list_recent(limit)


def _text_line(c: CallSummary) -> str:
    when = c.started_at.strftime("%Y-%m-%d %H:%M:%S")
    dur = f"{c.duration_s:5.0f}s" if c.duration_s is not None else "  live"
    intents = ",".join(c.intents) or "-"
    return f"{when}  {c.id}  {dur}  {c.lang}  {c.outcome or 'live':<11}  {c.service or '-':<12}  {intents}"


def _calls_list(settings: Settings, args: argparse.Namespace) -> int:
    calls = asyncio.run(_recent(settings.database_url, max(1, args.limit)))
    if args.json:
        print(json.dumps([c.as_dict() for c in calls], ensure_ascii=False, indent=2))
        return 0
    if not calls:
        print("no calls yet")
    for c in calls:
        print(_text_line(c))
        for line in c.transcript:
            print(f"      {line.speaker:>6}: {line.text}")
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(migrate(settings.database_url))
    print(f"database at revision {head_revision()}")
    return 0


def _db_current(settings: Settings, args: argparse.Namespace) -> int:
    current = asyncio.run(current_revision(settings.database_url))
    head = head_revision()
    print(f"current: {current or 'none'}  head: {head}" + ("" if current == head else "  (run: ivr db upgrade)"))
    return 0 if current == head else 1


async def _purge(url: str, days: int) -> str:
    await migrate(url)
    async with Database(url) as db:
        report = await purge_expired(db.sessions, SystemClock().now(), days)
    return (f"erased personal data before {report.cutoff:%Y-%m-%d}: {report.calls} calls, {report.turns} turns, "
            f"{report.events} events, {report.callbacks} callbacks, {report.sms} SMS")


def _db_purge(settings: Settings, args: argparse.Namespace) -> int:
    days = settings.store.retention_days if args.days is None else args.days
    print(asyncio.run(_purge(settings.database_url, days)))
    return 0
