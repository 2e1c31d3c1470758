"""Capacity through the SIP edge: the single-box bench's callers against ``ivr up --nodes N`` (``capacity.py --nodes``).

For each N asked (``--nodes 1,2``) the bench brings a whole cluster up itself (``ivr up --nodes N --detach`` in a
throw-away home: Kamailio on 127.0.0.1, N media nodes on 127.0.0.11.., the queue node, PostgreSQL, web front),
runs the same levels as ``capacity.py`` with the same SIPp callers (``ivr.probe.load``) dialling the edge, and
brings it down. The bots are other processes here, so each call is judged from what its node stored in
PostgreSQL (``ivr.probe.stored_events``), by the same rules (``ivr.probe.outcomes``); CPU is sampled per
process (every node's bot and Asterisk, the queue node, Kamailio, SIPp). The edge's own cost to call setup
(INVITE -> 200 OK, through Kamailio vs straight to a node) is ``cluster_setup.py``'s measure, run after.
The nodes run on the real clock, so their knowledge base is the city's with every service open (as the
single-box bench's clock is set to a Tuesday morning).

**On this machine two media nodes share the same cores.** With 2 cores, N = 2 runs two bots and two
Asterisks on the CPU one node had: the figure shows what the edge and the spreading cost and whether two
processes use the cores better than one (one Python bot is one core at most), not the capacity of two
machines. On real nodes, capacity is N times one node's, minus nothing the edge adds (it keeps no media).

Writes ``bench/results/capacity_cluster.json``: per N, per level, answered / handed off / silent / dropped,
reply latency p50/p95, the calls each node took, CPU per component.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil
from common import RESULTS, stats, synth_questions
from loadrun import load_questions
from resources import Sampler

from ivr.config import Settings, load_settings
from ivr.probe.load import Load, LoadPlan
from ivr.probe.outcomes import DEFINED, count, judge_all
from ivr.probe.stored_events import all_hung_up, nodes_of, stored_events
from ivr.store.db import Database
from ivr.testing.cluster_lab import EDGE, cluster_env, database_url, ivr_cli, pg_dir

HEARD_P95_S = 2.5


def component_pids(env: dict[str, str]) -> dict[str, int]:
    """Every running component's pid, from ``ivr status --json`` (web front left out: it takes no call)."""
    status = ivr_cli(env, "status", "--json")
    rows = json.loads(status.stdout)["cluster"]
    pids = {r["component"]: int(r["pid"]) for r in rows if r.get("pid") and r["component"] != "web"}
    if "edge" in pids:  # Kamailio's work is done by the children of its main process
        for child in psutil.Process(pids["edge"]).children(recursive=True):
            pids[f"edge {child.pid}"] = child.pid
    return pids


async def run_level(caller: Settings, db: Database, questions: list[Any], plan: LoadPlan, workdir: Path,
                    pids: dict[str, int], timeout: float) -> dict[str, Any]:
    """One level: the calls through the edge, judged from the shared database."""
    load = Load(caller, load_questions(questions), plan, workdir)
    sampler = Sampler(None, lambda: load.sipp_pids, processes=pids)
    t0 = time.monotonic()
    sampling = asyncio.create_task(sampler.run())
    try:
        await load.start()
        result = await load.wait(timeout)
    finally:
        sampling.cancel()
        await load.kill()
    numbers = [x.number for x in result.expected]
    deadline = time.monotonic() + 30
    events = await stored_events(db.sessions, numbers)
    while not all_hung_up(events) and time.monotonic() < deadline:  # the nodes' writers batch their events
        await asyncio.sleep(0.5)
        events = await stored_events(db.sessions, numbers)
    outcomes = judge_all(result.expected, events, result.marks, caller.vad.end_of_speech_ms / 1000)
    latency = stats([o.latency_s for o in outcomes if o.latency_s is not None])
    p95 = latency.get("p95")
    lost = sum(o.outcome not in DEFINED for o in outcomes)
    return {
        "calls": plan.calls,
        "outcomes": count(outcomes),
        "lost": lost,
        "answered_right_intent": sum(bool(o.correct) for o in outcomes),
        "latency_s": latency,
        "handoff_s": stats([o.handoff_s for o in outcomes if o.handoff_s is not None]),
        "asr_s": stats([o.asr_s for o in outcomes if o.asr_s is not None]),
        "holds_p95": p95 is not None and p95 <= HEARD_P95_S and lost == 0,
        "calls_per_node": await nodes_of(db.sessions, numbers),
        "resources": sampler.report(),
        "sipp": {"cpu_s": result.sipp_cpu_s, "failed": result.sipp_failed},
        "wall_s": round(time.monotonic() - t0, 1),
        # each call's outcome (test numbers, but numbers all the same: not in the results)
        "per_call": [{k: v for k, v in asdict(o).items() if v not in (None, "") and k != "number"} for o in outcomes],
    }


async def run_cluster(nodes: int, levels: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """Bring ``ivr up --nodes N`` up, run every level through its edge, bring it down."""
    tmp = Path(tempfile.mkdtemp(prefix=f"ivr-bench-cluster{nodes}-"))
    pg = pg_dir()
    env = cluster_env(tmp, pg, nodes)
    levels_out: list[dict[str, Any]] = []
    try:
        up = await asyncio.to_thread(ivr_cli, env, "up", "--nodes", str(nodes), "--detach", timeout=1200)
        if up.returncode != 0:
            raise RuntimeError(f"ivr up --nodes {nodes} failed: {up.stderr[-2000:]}")
        caller = load_settings({"paths": {"home": str(tmp / "caller")},
                                "asterisk": {"bind": EDGE, "sip_port": int(env["IVR_ASTERISK__SIP_PORT"])}},
                               environ={})
        from ivr.tts.factory import build_tts

        questions = await synth_questions(SimpleNamespace(tts=build_tts(caller)), tmp / "questions")
        pids = await asyncio.to_thread(component_pids, env)
        async with Database(database_url(env)) as db:
            # one call per node first, so that no level pays for a node's first decode
            await run_level(caller, db, questions, LoadPlan(nodes, nodes, call_s=12.0), tmp / "warmup", pids, 60)
            first = 1000
            for n in levels:
                plan = LoadPlan(calls=n, concurrent=n, rate=args.rate, call_s=args.seconds, first_number=first)
                level = await run_level(caller, db, questions, plan, tmp / f"n{n}", pids, args.seconds + 60)
                levels_out.append(level)
                print_row(nodes, level)
                first += n
    finally:
        await asyncio.to_thread(ivr_cli, env, "down", timeout=300)
        shutil.rmtree(pg, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    held = [r["calls"] for r in levels_out if r["holds_p95"]]
    return {"nodes": nodes, "largest_level_holding": max(held) if held else 0, "levels": levels_out}


HEADER = (f"{'nodes':>5} {'calls':>5} {'answ':>4} {'hand':>4} {'cb':>3} {'othr':>4} {'sil':>3} {'drop':>4} "
          f"{'p50':>5} {'p95':>5} {'max':>5}  per node / CPU % of one core (bots, Asterisks, edge)")


def print_row(nodes: int, level: dict[str, Any]) -> None:
    """One line per level (latency in s)."""
    o, s, r = level["outcomes"], level["latency_s"], level["resources"]

    def f(v: object) -> str:
        return f"{v:>5.2f}" if isinstance(v, int | float) else f"{'-':>5}"

    def cpu(word: str) -> float:
        return round(sum(v["cpu_mean_pct"] or 0 for k, v in r.items() if isinstance(v, dict) and word in k))

    print(f"{nodes:>5} {level['calls']:>5} {o['answered']:>4} {o['handed_off']:>4} {o['callback']:>3} "
          f"{o['replied']:>4} {o['silent']:>3} {o['dropped']:>4} {f(s.get('p50'))} {f(s.get('p95'))} "
          f"{f(s.get('max'))}  {level['calls_per_node']} bots {cpu('voicebot')} ast {cpu('asterisk')} "
          f"edge {cpu('edge')}", flush=True)


async def main(args: argparse.Namespace) -> int:
    """``capacity.py --nodes 1,2 [--levels ...]``: each cluster size in turn, then the edge's setup cost."""
    import cluster_setup

    sizes = [int(x) for x in args.nodes.split(",") if x.strip()]
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    print(HEADER, flush=True)
    clusters = [await run_cluster(n, levels, args) for n in sizes]
    setup = await cluster_setup.main(args.setup_calls)
    report = {
        "call_seconds": args.seconds,
        "rate_per_s": args.rate,
        "cpu_cores": psutil.cpu_count(),
        "note": "on one machine the media nodes share its cores: N nodes here is not N machines",
        "latency_target": {"p95_s": HEARD_P95_S, "rule": "reply latency p95 <= 2.5 s and no caller silent or dropped"},
        "clusters": clusters,
        "edge_setup": setup,
    }
    out = args.out if args.out != RESULTS / "capacity.json" else RESULTS / "capacity_cluster.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    for c in clusters:
        print(f"{c['nodes']} node(s): largest level with latency p95 <= {HEARD_P95_S} s and nobody silent or "
              f"dropped: {c['largest_level_holding'] or 'none'}")
    print(f"Kamailio's call-setup overhead (p50, INVITE -> 200 OK): {setup['edge_overhead_p50_ms']} ms")
    print(f"wrote {out}")
    return 0
