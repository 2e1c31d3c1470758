#!/usr/bin/env python3
"""Capacity: what N simultaneous callers get from the bot, and what it costs (cheap SIPp callers).

Own Asterisk 22 on free ports, the bot in-process (clock on a Tuesday at 10:00), callers from SIPp at
127.0.0.2 (``ivr.probe.sipp``: one process per question, each call streams a synthesised French city-hall
question at t = 2 s after the answer, barging into the greeting, and hangs up after ``--seconds``). For each
level N, the N calls start together (``--rate`` new calls per second). SIPp cannot record, so each call is
judged from the bot's own events (``ivr.probe.outcomes``): answered / handed off (and how long after the
question) / callback / replied otherwise / silent / dropped, and the reply latency (end of the question's
speech -> first prompt played after it). Per level: those counts, latency p50/p95/max, ASR p50, CPU of the
bot, Asterisk and SIPp apart (100 % = one core; SIPp must stay <= 5 % of a core per call), peak RSS, and the
bot's event-loop lag (its own monitor, a task in its loop). Prints the largest level whose latency p95 <= 2.5 s with no
caller silent or dropped. The caller-heard figure of a single call comes from ``turn_latency.py`` (baresip
records what it hears). Writes ``bench/results/capacity.json``.

    .venv/bin/python bench/capacity.py [--levels 1,4,8,12,16,24] [--seconds 30] [--rate 10] [-v]

Through the SIP edge, against clusters of 1 then 2 media nodes that the bench brings up and down itself
(``capacity_cluster.py``; writes ``bench/results/capacity_cluster.json``; on one machine the nodes share its
cores, see there):

    .venv/bin/python bench/capacity.py --nodes 1,2 [--levels ...] [--setup-calls 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, stack, synth_questions
from loadrun import run_plan

from ivr.probe.load import LoadPlan

HEARD_P95_S = 2.5
SIPP_MAX_PCT_PER_CALL = 5.0
HANDOFF_WITHIN_S = 3.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--levels", default="1,4,8,12,16,24", help="numbers of simultaneous calls")
    p.add_argument("--seconds", type=float, default=30.0, help="the caller hangs up this long after the answer")
    p.add_argument("--rate", type=float, default=10.0, help="new calls per second within a level")
    p.add_argument("--out", type=Path, default=RESULTS / "capacity.json")
    p.add_argument("-v", "--verbose", action="store_true", help="log the bot at INFO")
    p.add_argument("--nodes", default="", help="through the Kamailio edge: cluster sizes to run, e.g. 1,2")
    p.add_argument("--setup-calls", type=int, default=40, help="with --nodes: calls for the edge's setup overhead")
    return p.parse_args(argv)


def holds(level: dict[str, Any]) -> bool:
    """Latency p95 within the target, and nobody silent or dropped."""
    p95 = level["latency_s"].get("p95")
    return p95 is not None and p95 <= HEARD_P95_S and level["lost"] == 0


def handed_within(level: dict[str, Any]) -> bool:
    """Every call answered or handed to a person within 3 s of its question; no silence, no drop."""
    o = level["outcomes"]
    late = [r for r in level["per_call"] if r["outcome"] == "handed_off" and r.get("handoff_s", 0) > HANDOFF_WITHIN_S]
    return o["answered"] + o["handed_off"] == level["calls"] and not late


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.nodes:
        import capacity_cluster

        return await capacity_cluster.main(args)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ivr-bench-cap-") as tmp:
        home = Path(tmp)
        async with stack(home) as st:
            questions = await synth_questions(st.engines, home / "questions")
            # one call first, so that no level pays for the first decode
            await run_plan(st, questions, LoadPlan(1, 1, call_s=12.0), home / "warmup", 60.0)
            print(HEADER, flush=True)
            first = 1000
            for n in levels:
                plan = LoadPlan(calls=n, concurrent=n, rate=args.rate, call_s=args.seconds, first_number=first)
                level = await run_plan(st, questions, plan, home / f"n{n}", args.seconds + 60)
                level["holds_p95"] = holds(level)
                level["answered_or_handed_within_3s"] = handed_within(level)
                results.append(level)
                print_row(level)
                first += n
    held = [r["calls"] for r in results if r["holds_p95"]]
    largest = max(held) if held else 0
    sipp_ok = all((r["sipp"]["pct_core_per_call"] or 0) <= SIPP_MAX_PCT_PER_CALL for r in results)
    report = {
        "call_seconds": args.seconds,
        "rate_per_s": args.rate,
        "cpu_cores": psutil.cpu_count(),
        "latency_target": {"p95_s": HEARD_P95_S, "largest_level_holding": largest,
                           "rule": "reply latency p95 <= 2.5 s and no caller silent or dropped"},
        "sipp_within_5pct_core_per_call": sipp_ok,
        "levels": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"largest level with latency p95 <= {HEARD_P95_S} s and nobody silent or dropped: {largest or 'none'}")
    print(f"SIPp <= {SIPP_MAX_PCT_PER_CALL} % of a core per call: {'yes' if sipp_ok else 'NO'}")
    for r in results:
        if r["calls"] in (8, 16):  # issue 9's targets
            print(f"{r['calls']} calls: every call answered or handed to a person within {HANDOFF_WITHIN_S:.0f} s "
                  f"of its question: {'yes' if r['answered_or_handed_within_3s'] else 'NO'}")
    print(f"wrote {args.out}")
    return 0


HEADER = (f"{'calls':>5} {'answ':>4} {'hand':>4} {'cb':>3} {'othr':>4} {'sil':>3} {'drop':>4} "
          f"{'p50':>5} {'p95':>5} {'max':>5} {'asr50':>5} {'hand95':>6} "
          f"{'bot%':>5} {'ast%':>5} {'sipp%':>5} {'sipp/c':>6} {'botMB':>6} {'astMB':>6} {'lagmx':>6} {'lag99':>6}")


def print_row(level: dict[str, Any]) -> None:
    """One line per level (latency in s, CPU in % of one core, loop lag in ms)."""
    o, s, r, lag = level["outcomes"], level["latency_s"], level["resources"], level["loop_lag"]

    def f(v: object, width: int, digits: int = 2) -> str:
        return f"{v:>{width}.{digits}f}" if isinstance(v, int | float) else f"{'-':>{width}}"

    print(f"{level['calls']:>5} {o['answered']:>4} {o['handed_off']:>4} {o['callback']:>3} {o['replied']:>4} "
          f"{o['silent']:>3} {o['dropped']:>4} "
          f"{f(s.get('p50'), 5)} {f(s.get('p95'), 5)} {f(s.get('max'), 5)} {f(level['asr_s'].get('p50'), 5)} "
          f"{f(level['handoff_s'].get('p95'), 6)} "
          f"{f(r['bot']['cpu_mean_pct'], 5, 0)} {f(r.get('asterisk', {}).get('cpu_mean_pct'), 5, 0)} "
          f"{f(r['sipp']['cpu_mean_pct'], 5, 1)} {f(level['sipp']['pct_core_per_call'], 6)} "
          f"{f(r['bot']['peak_rss_mb'], 6, 0)} {f(r.get('asterisk', {}).get('peak_rss_mb'), 6, 0)} "
          f"{f(lag.get('max_ms'), 6, 0)} {f(lag.get('p99_ms'), 6, 1)}", flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
