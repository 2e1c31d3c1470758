#!/usr/bin/env python3
"""Soak: 100 simultaneous calls, then calls at a steady arrival rate for 30 minutes; nothing lost, nothing leaked.

Same stack as ``capacity.py`` (own Asterisk 22, the bot in-process, SIPp callers asking synthesised French
questions). Phase 1 places ``--burst`` calls at once (far past what two cores can recognise: the calls over
capacity must go to people, not to silence). Phase 2 places calls at ``--per-minute`` for ``--minutes``.
Reports per phase the outcomes (answered / handed off / callback / replied / silent / dropped), the calls
lost (silent + dropped; target 0), latency, CPU, loop lag, and errors (the bot's error events and ERROR logs,
SIPp's failed calls); and Asterisk's channels and bridges and the FDs, sockets and RSS of the bot and of
Asterisk at the start, between the phases and at the end (counts must come back: no growth).

The default rate is an assumption, not a measurement: a town of about 100,000 people gets a few hundred
calls a day at its switchboard, about 2 a minute at the mid-morning peak; 3 a minute, 40 s each, is that
peak with a margin. Writes ``bench/results/soak.json``.

    .venv/bin/python bench/soak.py [--burst 100] [--minutes 30] [--per-minute 3] [--seconds 40] [-v]
    .venv/bin/python bench/soak.py --burst 8 --minutes 2      # a quick check that the script works
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, Stack, stack, synth_questions
from loadrun import run_plan

from ivr.probe.footprint import Footprint, file_growth, footprint, growth, settle
from ivr.probe.heap import HeapMark, heap_mark, held_growth
from ivr.probe.load import LoadPlan

SETTLE_S = 120.0
"""How long hung-up calls may take to be torn down before what is left counts as a leak."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--burst", type=int, default=100, help="simultaneous calls of phase 1 (0: skip)")
    p.add_argument("--burst-rate", type=float, default=20.0, help="new calls per second in the burst")
    p.add_argument("--minutes", type=float, default=30.0, help="length of the steady phase (0: skip)")
    p.add_argument("--per-minute", type=float, default=3.0, help="arrival rate of the steady phase")
    p.add_argument("--seconds", type=float, default=40.0, help="the caller hangs up this long after the answer")
    p.add_argument("--out", type=Path, default=RESULTS / "soak.json")
    p.add_argument("-v", "--verbose", action="store_true", help="log the bot at INFO")
    return p.parse_args(argv)


async def snapshot(st: Stack, baseline: Footprint | None = None) -> Footprint:
    """The footprint once the previous calls are torn down (or ``SETTLE_S`` has passed)."""
    pids = {"bot": os.getpid(), "asterisk": st.asterisk.proc.pid() or 0}

    async def take() -> Footprint:
        return await footprint(st.bot.ari, pids)

    return await settle(take, baseline or Footprint(0, 0, {}), SETTLE_S)


def summary(phase: dict[str, Any]) -> dict[str, Any]:
    """The phase without its per-call rows (kept apart in the JSON)."""
    return {k: v for k, v in phase.items() if k != "per_call"}


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    phases: dict[str, dict[str, Any]] = {}
    prints: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ivr-bench-soak-") as tmp:
        home = Path(tmp)
        async with stack(home) as st:
            questions = await synth_questions(st.engines, home / "questions")
            await run_plan(st, questions, LoadPlan(1, 1, call_s=12.0), home / "warmup", 60.0)
            start = await snapshot(st)
            marks = {"start": start}
            heaps = {"start": heap_mark(st.bot.held())}  # per-call structures, tasks, RSS after malloc_trim
            if args.burst:
                plan = LoadPlan(args.burst, args.burst, rate=args.burst_rate, call_s=args.seconds, first_number=1000)
                phases["burst"] = await run_plan(st, questions, plan, home / "burst", args.seconds + 300)
                marks["after_burst"] = await snapshot(st, start)
                heaps["after_burst"] = heap_mark(st.bot.held())
                prints.append(line("burst", phases["burst"]))
                print(prints[-1], flush=True)
            if args.minutes:
                calls = max(1, round(args.minutes * args.per_minute))
                rate = args.per_minute / 60
                at_once = max(4, 3 * round(rate * args.seconds + 0.5))  # SIPp's cap: 3x the expected concurrency
                plan = LoadPlan(calls, at_once, rate=rate, call_s=args.seconds, first_number=100_000)
                phases["steady"] = await run_plan(st, questions, plan, home / "steady",
                                                  args.minutes * 60 + args.seconds + 300)
                marks["end"] = await snapshot(st, start)
                heaps["end"] = heap_mark(st.bot.held())
                prints.append(line("steady", phases["steady"]))
                print(prints[-1], flush=True)
    end = marks.get("end") or marks.get("after_burst") or start
    heap_end: HeapMark = heaps.get("end") or heaps.get("after_burst") or heaps["start"]
    lost = sum(p["lost"] for p in phases.values())
    errors = sum(len(p["bot_errors"]) + len(p["error_logs"]) + p["sipp"]["failed"] for p in phases.values())
    report = {
        "burst_calls": args.burst, "steady_minutes": args.minutes, "per_minute": args.per_minute,
        "call_seconds": args.seconds, "cpu_cores": psutil.cpu_count(),
        "calls_lost": lost, "errors": errors,
        "footprint": {k: v.as_dict() for k, v in marks.items()},
        "growth": growth(start, end),
        "file_growth": file_growth(start, end),
        "rss_growth_mb": {name: round(end.processes[name].rss_mb - p.rss_mb, 1)
                          for name, p in start.processes.items() if name in end.processes},
        "heap": {k: asdict(v) for k, v in heaps.items()},
        "held_growth": held_growth(heaps["start"], heap_end),
        "phases": {k: summary(v) for k, v in phases.items()},
        "per_call": {k: v["per_call"] for k, v in phases.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"calls lost: {lost} (target 0); errors: {errors}")
    print(f"start: {start.counts()}  rss {_rss(start)}")
    print(f"end:   {end.counts()}  rss {_rss(end)}")
    print(f"growth: {report['growth'] or 'none'}; regular files opened since the start: "
          f"{report['file_growth'] or 'none'}")
    print(f"bot after malloc_trim: rss {heaps['start'].rss_mb} -> {heap_end.rss_mb} MB, tasks "
          f"{heaps['start'].tasks} -> {heap_end.tasks}, per-call structures grown: {report['held_growth'] or 'none'}")
    print(f"wrote {args.out}")
    return 0


def _rss(f: Footprint) -> dict[str, float]:
    return {name: p.rss_mb for name, p in f.processes.items()}


def line(name: str, phase: dict[str, Any]) -> str:
    """One line per phase."""
    o, s, lag = phase["outcomes"], phase["latency_s"], phase["loop_lag"]
    return (f"{name}: {phase['calls']} calls, lost {phase['lost']} | " + " ".join(f"{k} {v}" for k, v in o.items())
            + f" | latency p50 {s.get('p50', '-')} p95 {s.get('p95', '-')} | hand-off p95 "
            f"{phase['handoff_s'].get('p95', '-')} | sipp {phase['sipp']['pct_core_per_call']} % core/call, "
            f"failed {phase['sipp']['failed']} | loop lag max {lag.get('max_ms', '-')} ms")


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
