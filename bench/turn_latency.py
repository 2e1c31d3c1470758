#!/usr/bin/env python3
"""Turn latency on real calls: end of the caller's question -> first bot audio the caller's phone hears.

Starts its own Asterisk 22 (free ports, temp home) and the bot in-process (clock at a Tuesday 10:00, open),
then places calls one after the other from a baresip phone at 127.0.0.2; each caller asks one city-hall
question (French, synthesised with the bot's own TTS) at t = 2 s, barging into the greeting. The latency is
measured on the caller's recording (8 kHz, what the phone heard); the bot's own breakdown comes from its call
events (VAD end-of-speech decision -> transcript -> answer queued). Targets: p50 <= 1.2 s, p95 <= 2 s.
Calls are placed until ``--turns`` turns were measured (at most twice as many calls); failed calls are
counted and reported. Writes ``bench/results/turn_latency.json``.

    .venv/bin/python bench/turn_latency.py [--turns 20] [--seconds 14]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ASK_AT,
    RESULTS,
    ask,
    bot_breakdown,
    breakdown_stats,
    stack,
    stats,
    synth_questions,
)

from ivr.call.events import Hangup, IntentMatched, Said, Transcript

TARGET_P50 = 1.2
TARGET_P95 = 2.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--turns", type=int, default=20, help="turns to measure (one question per call)")
    p.add_argument("--seconds", type=float, default=14.0, help="length of each call")
    p.add_argument("--warmup", type=int, default=1, help="calls placed first and not counted (reported apart)")
    p.add_argument("--out", type=Path, default=RESULTS / "turn_latency.json")
    p.add_argument("-v", "--verbose", action="store_true", help="log the bot at INFO")
    return p.parse_args(argv)


def call_summary(events: list[Any]) -> dict[str, Any]:
    """What the bot did in one call: intent, decision, the first thing said after the transcript, outcome."""
    out: dict[str, Any] = {"bot_calls": len({e.call_id for e in events})}
    seen_transcript = False
    for e in events:
        match e.body:
            case IntentMatched(intent=intent, decision=decision) if "intent" not in out:
                out["intent"], out["decision"] = intent, str(decision)
            case Transcript():
                seen_transcript = True
            case Said(key=key) if seen_transcript and "reply" not in out:
                out["reply"] = key
            case Hangup(outcome=outcome):
                out["outcome"] = str(outcome)
    out["media_failed"] = not any(isinstance(e.body, Said) for e in events)
    return out


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    rows: list[dict[str, Any]] = []
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ivr-bench-turn-") as tmp:
        home = Path(tmp)
        async with stack(home) as st:
            questions = await synth_questions(st.engines, home / "questions")
            hub = st.bot.hub
            calls = 0
            while (sum(r["latency_s"] is not None for r in rows[args.warmup:]) < args.turns
                   and calls < 2 * args.turns + args.warmup):
                q = questions[calls % len(questions)]
                mark = hub.history.mark()
                turn = (await ask(st.settings, home / f"call{calls:03d}", [(ASK_AT, q)], args.seconds))[0]
                await asyncio.sleep(0.5)  # let the bot close the call
                events = hub.history.since(mark)
                rows_bd = bot_breakdown(events)
                row = {"call": calls, "warmup": calls < args.warmup, "question": q.text, "expected_intent": q.intent,
                       "question_end_s": turn.question_end_s, "latency_s": turn.latency_s, "echo": turn.echo,
                       "align_s": turn.align_s, "rtp_gap_s": turn.rtp_gap_s,
                       "notes": turn.notes, **call_summary(events), "bot": rows_bd}
                rows.append(row)
                calls += 1
                asr = rows_bd[0]["asr_s"] if rows_bd else None
                print(f"call {calls:3d}  {q.text[:44]:44s}  heard {_fmt(turn.latency_s)}  asr {_fmt(asr)}"
                      f"  {row.get('reply') or row.get('outcome')}", flush=True)
    warm, rows = rows[: args.warmup], rows[args.warmup :]
    breakdown = [b for r in rows for b in r["bot"]]
    latencies = [float(r["latency_s"]) for r in rows if r["latency_s"] is not None]
    summary = stats(latencies)
    report = {
        "calls_placed": len(rows),
        "turns_measured": len(latencies),
        "calls_without_answer": sum(r["latency_s"] is None for r in rows),
        "calls_media_failed": sum(bool(r["media_failed"]) for r in rows),
        "wrong_intent": sum(r.get("intent") != r["expected_intent"] for r in rows if not r["media_failed"]),
        "echo_detected": sum(bool(r["echo"]) for r in rows),
        "latency_s": summary,
        "targets": {"p50_s": TARGET_P50, "p95_s": TARGET_P95,
                    "p50_met": bool(latencies) and summary["p50"] <= TARGET_P50,
                    "p95_met": bool(latencies) and summary["p95"] <= TARGET_P95},
        "bot_breakdown_s": breakdown_stats(breakdown),
        "wall_s": round(time.monotonic() - t_start, 1),
        "method": "caller's recording: end of the question (energy on the sent file) -> first 20 ms frame with "
                  "RMS > 300 heard after it; heard/sent time lines aligned on the call's end",
        "warmup_calls": warm,
        "calls": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print_table(report)
    print(f"wrote {args.out}")
    return 0 if latencies else 1


def _fmt(v: object) -> str:
    return f"{v:5.2f}s" if isinstance(v, int | float) else "  -   "


def print_table(report: dict[str, Any]) -> None:
    """The summary, human-readable."""
    s, t = report["latency_s"], report["targets"]
    print()
    print(f"calls placed {report['calls_placed']}, turns measured {report['turns_measured']}, "
          f"no answer {report['calls_without_answer']} (media leg failed {report['calls_media_failed']}), "
          f"wrong intent {report['wrong_intent']}, echo {report['echo_detected']}")
    if s.get("n"):
        print(f"{'heard latency':24s} p50 {s['p50']:5.2f}  p95 {s['p95']:5.2f}  max {s['max']:5.2f}   "
              f"targets p50<={t['p50_s']} {'OK' if t['p50_met'] else 'MISSED'}, "
              f"p95<={t['p95_s']} {'OK' if t['p95_met'] else 'MISSED'}")
    for k, v in report["bot_breakdown_s"].items():
        if v.get("n"):
            print(f"{'bot ' + k:24s} p50 {v['p50']:5.2f}  p95 {v['p95']:5.2f}  max {v['max']:5.2f}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
