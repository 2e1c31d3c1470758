"""One load run against the in-process bot, shared by ``capacity.py`` and ``soak.py``.

SIPp callers (``ivr.probe.load``) ask the synthesised questions; replies are judged from the bot's events
(``ivr.probe.outcomes``); the bot, Asterisk and SIPp are sampled apart (``resources.Sampler``); the bot's own
loop-lag monitor (``ivr.runtime.looplag``, a task in its loop) gives the lag.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from common import Question, Stack, stats
from resources import ErrorLog, Sampler

from ivr.call.events import CallError
from ivr.probe.load import Load, LoadPlan
from ivr.probe.load import Question as LoadQuestion
from ivr.probe.outcomes import DEFINED, CallOutcome, count, judge_all
from ivr.runtime.looplag import LoopLagMonitor


def load_questions(questions: list[Question]) -> list[LoadQuestion]:
    """The bench's synthesised questions as load-generator questions."""
    return [LoadQuestion(q.wav, q.intent) for q in questions]


async def calls_over(st: Stack, timeout: float) -> None:
    """Wait until the bot holds no call (each hang-up releases its session), at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while st.bot.router.sessions and time.monotonic() < deadline:  # noqa: ASYNC110 (the router has no event)
        await asyncio.sleep(0.2)


async def run_plan(st: Stack, questions: list[Question], plan: LoadPlan, workdir: Path,
                   timeout: float) -> dict[str, Any]:
    """Run ``plan`` and report outcomes, latencies, resources, loop lag and errors."""
    hub = st.bot.hub
    mark = hub.history.mark()
    load = Load(st.settings, load_questions(questions), plan, workdir)
    sampler = Sampler(st.asterisk.proc.pid(), lambda: load.sipp_pids)
    t0 = time.monotonic()
    lag = LagWatch(st.bot.looplag)
    with ErrorLog() as errors:
        sampling = asyncio.create_task(sampler.run())
        watching = asyncio.create_task(lag.run())
        try:
            await load.start()
            result = await load.wait(timeout)
            await calls_over(st, 15.0)
        finally:
            sampling.cancel()
            watching.cancel()
            await load.kill()
    wall = time.monotonic() - t0
    events = hub.history.since(mark)
    eos = st.settings.vad.end_of_speech_ms / 1000
    outcomes = judge_all(result.expected, events, result.marks, eos)
    sipp_cpu = result.sipp_cpu_s
    sipp_wall = max((r.wall_s for r in result.sipp), default=0.0)
    # CPU-seconds per second of call: the share of one core a call costs the generator (callers hang up at
    # ``call_s`` unless the bot hangs up first, which only makes the real share higher than this when it does)
    per_call = sipp_cpu / (plan.calls * plan.call_s) * 100 if plan.calls else None
    return {
        "calls": plan.calls,
        "concurrent": plan.concurrent,
        "outcomes": count(outcomes),
        "lost": sum(o.outcome not in DEFINED for o in outcomes),
        "answered_right_intent": sum(bool(o.correct) for o in outcomes),
        "first_reply": dict(Counter(o.reply_key or "-" for o in outcomes).most_common()),
        # what the caller heard first after the question: answer:*, asr_late (recognition past its deadline)...
        "latency_s": stats([o.latency_s for o in outcomes if o.latency_s is not None]),
        "handoff_s": stats([o.handoff_s for o in outcomes if o.handoff_s is not None]),
        "asr_s": stats([o.asr_s for o in outcomes if o.asr_s is not None]),
        "resources": sampler.report(),
        "sipp": {"cpu_s": sipp_cpu, "wall_s": sipp_wall,
                 "pct_core_per_call": None if per_call is None else round(per_call, 2),
                 "created": sum(r.stats.created for r in result.sipp),
                 "successful": sum(r.stats.successful for r in result.sipp),
                 "failed": result.sipp_failed,
                 "failures": _merge([r.stats.failures for r in result.sipp]),
                 "errors": [r.errors for r in result.sipp if r.errors][:3]},
        "loop_lag": lag.summary(),
        "bot_errors": [e.data for e in events if isinstance(e.body, CallError)][:20],
        "error_logs": errors.records[:20],
        "wall_s": round(wall, 1),
        "per_call": [_row(o) for o in outcomes],
    }


class LagWatch:
    """The bot's loop lag over a whole run: its monitor keeps the last minute, so read it every 20 s.

    ``max_ms`` is the run's maximum; ``p99_ms`` the worst p99 over the one-minute windows read (exact for a
    run shorter than a minute).
    """

    def __init__(self, monitor: LoopLagMonitor) -> None:
        self.monitor = monitor
        self.max_s = 0.0
        self.p99_s = 0.0
        self.samples = 0

    def read(self) -> None:
        """Fold the monitor's current window in."""
        snap = self.monitor.snapshot()
        self.max_s, self.p99_s = max(self.max_s, snap.max_s), max(self.p99_s, snap.p99_s)
        self.samples = max(self.samples, snap.samples)

    async def run(self, every: float = 20.0) -> None:
        """Read until cancelled."""
        self.monitor.stats.reset()
        while True:
            await asyncio.sleep(every)
            self.read()

    def summary(self) -> dict[str, float | int]:
        """Max and p99 in milliseconds."""
        self.read()
        return {"max_ms": round(self.max_s * 1000, 1), "p99_ms": round(self.p99_s * 1000, 1),
                "window_samples": self.samples}


def _merge(dicts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _row(o: CallOutcome) -> dict[str, Any]:
    row = {k: v for k, v in asdict(o).items() if v not in (None, "")}
    row.pop("number", None)  # test numbers, but numbers all the same: not in the results
    return row
