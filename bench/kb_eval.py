#!/usr/bin/env python3
"""Matcher benchmark on labelled question sets: the held-out ones and the tuning split, side by side.

For each set prints the table of ``ivr kb eval`` (in-scope top-1, answered right, confirmed right, clarified
right, wrong answers, out-of-scope abstention, emergency recall, confusions) plus per-query latency p50/p95 on
one thread, and writes them all to ``bench/results/kb_eval.json``. Sets: ``tests/data/kb_eval.tsv`` (the
first held-out set), ``tests/data/kb_heldout.tsv`` (issue 10's test split, never read by calibration) and
``ivr/nlu/data/tune.tsv`` (the tuning split ``ivr kb calibrate`` reads: expect it to look better).

Every set is scored twice: with the calibrated bands (the web chat) and with the phone's wider confirmation
band (``nlu.voice_confirm_floor``: on the phone the bot can ask "c'est bien ça ?" from a lower score).

    OMP_NUM_THREADS=1 .venv/bin/python bench/kb_eval.py [--eval NAME=FILE ...] [--knowledge DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.config import load_settings  # noqa: E402
from ivr.nlu.evaluate import evaluate, format_report, read_eval  # noqa: E402
from ivr.nlu.kb import load_knowledge  # noqa: E402
from ivr.nlu.matcher import build_matcher  # noqa: E402

DEFAULT_SETS = {
    "kb_eval": "tests/data/kb_eval.tsv",
    "heldout_test": "tests/data/kb_heldout.tsv",
    "tune": "ivr/nlu/data/tune.tsv",
}


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", action="append", metavar="NAME=FILE",
                        help="a labelled set (repeatable; default: kb_eval, heldout_test, tune)")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--calibration", type=Path, default=ROOT / "knowledge" / "calibration.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kb_eval.json")
    args = parser.parse_args()

    start = time.perf_counter()
    kb = load_knowledge(args.knowledge)
    matcher = build_matcher(kb, args.calibration)
    load_s = time.perf_counter() - start
    sets = dict(s.split("=", 1) for s in args.eval) if args.eval else DEFAULT_SETS
    matcher.match("bonjour", "fr")  # warm-up outside the timings
    phone_floor = load_settings().nlu.voice_confirm_floor
    data: dict[str, object] = {"phone_confirm_floor": phone_floor}
    for name, path in sets.items():
        for channel, floor in (("chat", None), ("phone", phone_floor)):
            report, _ = evaluate(matcher, read_eval(ROOT / path), confirm_floor=floor)
            print(f"== {name} ({path}), {channel} bands" + (f" (confirm from {floor})" if floor else ""))
            print(format_report(report))
            data[name if channel == "chat" else f"{name}_phone"] = report.as_dict()
    print(f"load + encode {len(kb.intents)} intents: {load_s:.2f} s")
    data.update({"knowledge_version": kb.version, "load_seconds": round(load_s, 3),
                 "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "load_average": os.getloadavg()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
