#!/usr/bin/env python3
"""Capacity: turn latency, CPU and memory with N simultaneous real calls.

Same setup as ``turn_latency.py`` (own Asterisk 22, bot in-process, baresip callers from 127.0.0.2, each UA on
its own free SIP port). For each level N, N calls start together (``--stagger`` seconds apart) and each asks
one city-hall question at t = 2 s (``--questions 2``: a second one at ``--second-at`` s, barging into the
answer). Reports per level the turn latency measured on each caller's recording (p50/p95/max), how many
calls got an answer at all, the CPU% of this process (bot + ASR + TTS) and of Asterisk (psutil, sampled every
0.5 s; 100 % = one core) and their peak RSS. Target: 8 simultaneous calls, p95 <= 3 s.
Writes ``bench/results/capacity.json``.

    .venv/bin/python bench/capacity.py [--levels 1,4,8,16] [--questions 1] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ASK_AT,
    RESULTS,
    Question,
    Stack,
    Turn,
    ask,
    bot_breakdown,
    breakdown_stats,
    stack,
    stats,
    synth_questions,
)

TARGET_LEVEL = 8
TARGET_P95 = 3.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--levels", default="1,4,8,16", help="numbers of simultaneous calls")
    p.add_argument("--questions", type=int, choices=(1, 2), default=1, help="questions per call")
    p.add_argument("--second-at", type=float, default=16.0, help="when the second question is asked")
    p.add_argument("--seconds", type=float, default=30.0, help="length of each call")
    p.add_argument("--stagger", type=float, default=0.1, help="seconds between call starts within a level")
    p.add_argument("--out", type=Path, default=RESULTS / "capacity.json")
    p.add_argument("-v", "--verbose", action="store_true", help="log the bot at INFO")
    return p.parse_args(argv)


class Sampler:
    """CPU% and RSS of this process and of Asterisk, sampled in the background."""

    def __init__(self, asterisk_pid: int | None) -> None:
        self.procs = {"bot": psutil.Process(os.getpid())}
        if asterisk_pid is not None:
            self.procs["asterisk"] = psutil.Process(asterisk_pid)
        self.cpu: dict[str, list[float]] = {k: [] for k in self.procs}
        self.rss: dict[str, int] = dict.fromkeys(self.procs, 0)
        self.system: list[float] = []

    async def run(self, period: float = 0.5) -> None:
        for p in self.procs.values():
            p.cpu_percent(None)
        psutil.cpu_percent(None)
        while True:
            await asyncio.sleep(period)
            for name, p in self.procs.items():
                try:
                    self.cpu[name].append(p.cpu_percent(None))
                    self.rss[name] = max(self.rss[name], p.memory_info().rss)
                except psutil.Error:
                    continue
            self.system.append(psutil.cpu_percent(None))

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.procs:
            cpu = self.cpu[name]
            out[name] = {"cpu_mean_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
                         "cpu_max_pct": round(max(cpu), 1) if cpu else None,
                         "peak_rss_mb": round(self.rss[name] / 2**20, 1)}
        out["machine_cpu_mean_pct"] = round(sum(self.system) / len(self.system), 1) if self.system else None
        return out


async def one_level(
    st: Stack, questions: list[Question], n: int, args: argparse.Namespace, home: Path
) -> dict[str, Any]:
    """N simultaneous calls; latency per turn, answers, resources."""
    hub = st.bot.hub
    mark = len(hub.history)
    sampler = Sampler(st.asterisk.proc.pid())
    sampling = asyncio.create_task(sampler.run())

    async def caller(i: int) -> list[Turn]:
        await asyncio.sleep(i * args.stagger)
        asks = [(ASK_AT, questions[(i + n) % len(questions)])]
        if args.questions == 2:
            asks.append((args.second_at, questions[(i + n + 5) % len(questions)]))
        return await ask(st.settings, home / f"n{n}" / f"call{i:02d}", asks, args.seconds)

    t0 = time.monotonic()
    per_call = await asyncio.gather(*(caller(i) for i in range(n)))
    await asyncio.sleep(1.0)  # let the bot close the calls
    sampling.cancel()
    events = list(hub.history[mark:])
    turns = [t for call in per_call for t in call]
    latencies = [t.latency_s for t in turns if t.latency_s is not None]
    bot_calls: dict[str, list[Any]] = {}
    for e in events:
        bot_calls.setdefault(e.call_id, []).append(e)
    level = {
        "calls": n,
        "turns": len(turns),
        "established": sum(all(t.established for t in call) for call in per_call),
        "calls_heard_reply": sum(any(t.latency_s is not None for t in call) for call in per_call),
        "turns_measured": len(latencies),
        "turns_unmeasurable": sum("unmeasurable" in t.notes for t in turns),
        "bot_calls": len(bot_calls),
        "bot_media_failed": sum(not any(e.kind == "say" for e in evs) for evs in bot_calls.values()),
        "bot_answers": sum(e.kind == "say" and str(e.data.get("key", "")).startswith("answer:") for e in events),
        "bot_no_input_reprompts": sum(e.kind == "no_input" for e in events),
        "bot_errors": [dict(e.data) for e in events if e.kind == "error"],
        "audio_during_question": sum(t.echo for t in turns),
        "turns_with_stream_gaps": sum(any("gaps" in n for n in t.notes) for t in turns),
        "asterisk_alive": st.asterisk.proc.pid() is not None and st.asterisk.ari_ready(),
        "latency_s": stats(latencies),
        "bot_breakdown_s": breakdown_stats(bot_breakdown(events)),
        "resources": sampler.report(),
        "wall_s": round(time.monotonic() - t0, 1),
        "turn_details": [{"call": i, "question": t.question, "latency_s": t.latency_s, "align_s": t.align_s,
                          "rtp_gap_s": t.rtp_gap_s, "notes": t.notes}
                         for i, call in enumerate(per_call) for t in call],
    }
    if level["established"] < n:  # what Asterisk holds when calls go unanswered
        with contextlib.suppress(Exception):
            level["asterisk_channels"] = (await asyncio.to_thread(st.asterisk.cli, "core show channels")).strip()
    return level


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ivr-bench-cap-") as tmp:
        home = Path(tmp)
        async with stack(home) as st:
            questions = await synth_questions(st.engines, home / "questions")
            # one call first, so that no level pays for the first decode
            await ask(st.settings, home / "warmup", [(ASK_AT, questions[0])], 12.0)
            await asyncio.sleep(1.0)
            print(HEADER, flush=True)
            for n in levels:
                level = await one_level(st, questions, n, args, home)
                results.append(level)
                print_row(level, flush=True)
                await asyncio.sleep(2.0)
    target = next((r for r in results if r["calls"] == TARGET_LEVEL), None)
    report = {
        "questions_per_call": args.questions,
        "stagger_s": args.stagger,
        "call_seconds": args.seconds,
        "cpu_cores": psutil.cpu_count(),
        "target": {"calls": TARGET_LEVEL, "p95_s": TARGET_P95,
                   "met": None if target is None else bool(target["latency_s"].get("p95", 1e9) <= TARGET_P95
                                                           and target["bot_answers"] >= TARGET_LEVEL)},
        "levels": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"target {TARGET_LEVEL} calls p95 <= {TARGET_P95} s: "
          f"{'n/a' if target is None else ('OK' if report['target']['met'] else 'MISSED')}")
    print(f"wrote {args.out}")
    return 0


HEADER = (f"{'calls':>5} {'answers':>8} {'measured':>8} {'p50':>6} {'p95':>6} {'max':>6} {'asr p50':>7} "
          f"{'bot cpu':>7} {'max':>6} "
          f"{'ast cpu':>7} {'bot rss':>8} {'failed':>6} {'no-input':>8}")


def print_row(level: dict[str, Any], flush: bool = False) -> None:
    """One line per level."""
    s, r = level["latency_s"], level["resources"]
    asr = level["bot_breakdown_s"].get("asr_s", {})

    def f(v: object, unit: str = "") -> str:
        return f"{v:.2f}{unit}" if isinstance(v, int | float) else "-"

    print(f"{level['calls']:>5} {str(level['bot_answers']) + '/' + str(level['calls']):>8} "
          f"{level['turns_measured']:>8} "
          f"{f(s.get('p50')):>6} {f(s.get('p95')):>6} {f(s.get('max')):>6} {f(asr.get('p50')):>7} "
          f"{f(r['bot']['cpu_mean_pct']):>7} {f(r['bot']['cpu_max_pct']):>6} "
          f"{f(r.get('asterisk', {}).get('cpu_mean_pct')):>7} "
          f"{f(r['bot']['peak_rss_mb']):>8} {level['bot_media_failed']:>6} {level['bot_no_input_reprompts']:>8}",
          flush=flush)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
