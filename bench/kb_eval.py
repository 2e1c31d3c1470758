#!/usr/bin/env python3
"""Matcher benchmark on the held-out evaluation set (never used for calibration).

Prints the table of ``ivr kb eval`` (in-scope top-1, wrong answers, out-of-scope abstention, emergency
recall, clarify rate, confusions) plus per-query latency p50/p95 on one thread, and writes
``bench/results/kb_eval.json``.

    OMP_NUM_THREADS=1 .venv/bin/python bench/kb_eval.py [--eval tests/data/kb_eval.tsv] [--knowledge DIR]
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

from ivr.nlu.evaluate import evaluate, format_report, read_eval  # noqa: E402
from ivr.nlu.kb import load_knowledge  # noqa: E402
from ivr.nlu.matcher import build_matcher  # noqa: E402


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "tests" / "data" / "kb_eval.tsv")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--calibration", type=Path, default=ROOT / "knowledge" / "calibration.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kb_eval.json")
    args = parser.parse_args()

    start = time.perf_counter()
    kb = load_knowledge(args.knowledge)
    matcher = build_matcher(kb, args.calibration)
    load_s = time.perf_counter() - start
    items = read_eval(args.eval)
    matcher.match("bonjour", "fr")  # warm-up outside the timings
    report, _ = evaluate(matcher, items)
    print(format_report(report))
    print(f"load + encode {len(kb.intents)} intents: {load_s:.2f} s")
    data = report.as_dict()
    data.update({"knowledge_version": kb.version, "load_seconds": round(load_s, 3),
                 "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "load_average": os.getloadavg()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
