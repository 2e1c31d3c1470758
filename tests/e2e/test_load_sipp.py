"""Twenty citizens through SIPp (the cheap load generator): every call ends well, nothing is left behind.

The short version of the soak (``bench/soak.py``): real SIP calls from 127.0.0.2 into the real Asterisk,
each streaming a synthesised question, ten at a time. Every call must end in a defined outcome (answered,
handed to a person, callback, or the bot asked again), none silent, none dropped; and once they are over,
Asterisk's channels and bridges and the bot's and Asterisk's sockets and other non-file descriptors are back
to their baseline (a few regular files opened once, such as a lazily loaded voice, are allowed; a growth per
call is not).
Memory (issue 11): RSS is not a leak detector here. Over batches of 20 calls the bot's RSS grew by tens of MB
after the first loaded batch and then stayed flat, and ``malloc_trim`` gave 130-175 MB back each time (glibc
arenas keeping the native buffers of whisper, onnxruntime and numpy at their high-water mark). So the test
checks what does grow with a per-call leak: the bot's per-call structures (``Bot.held()``) and asyncio tasks
back to their baseline (exactly: this is what caught the router keeping every ended call), and the Python
heap (``tracemalloc``, started after the warm-up) growing by less than ``HEAP_KB_PER_CALL`` per call. RSS,
measured after ``malloc_trim`` on both sides, keeps only a coarse bound.
Waits on state (SIPp's exit, the calls' teardown), never on fixed sleeps.
"""

from __future__ import annotations

import logging
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from callhelpers import synth_wav

from ivr.call.events import CallError
from ivr.config import Settings
from ivr.probe.footprint import Footprint, file_growth, footprint, growth, open_files, settle
from ivr.probe.heap import heap_mark, held_growth
from ivr.probe.load import LoadPlan, Question, run_load
from ivr.probe.outcomes import DEFINED, count, judge_all
from ivr.telephony.asterisk.process import AsteriskProcess

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

QUESTIONS = [
    ("Quels sont les horaires de la mairie ?", "city_hall_hours"),
    ("Je voudrais refaire mon passeport.", "passport"),
    ("Je voudrais une carte d'identité.", "id_card"),
    ("Où se trouve la mairie ?", "city_hall_address"),
]
CALLS = 20
AT_ONCE = 10
CALL_S = 40.0
RSS_GROWTH_MB = {"bot": 150.0, "asterisk": 40.0}
"""Coarse RSS bound over the 20 calls after the warm-up (a leak of 7.5 MB (bot) or 2 MB (Asterisk) per call).
Measured on the loaded 2-core machine (issue 11, batches of 20 calls, bot RSS after ``malloc_trim``): 548 MB after
the warm-up, then 604, 609, 591 MB: the first loaded batch raises the recogniser's high-water mark, later ones
do not; Asterisk +3.4, +1.9, +0.3 MB. The per-call leak checks are the held structures and the Python heap."""
HEAP_KB_PER_CALL = 100.0
"""Python heap growth allowed per call (tracemalloc): catches keeping a call's audio (a 5 s question is 160 KB)
or its buffers. Measured over batches of 20 calls (issue 11): 38-70 KB per call while the router kept every
ended call's session, 46 then 13 KB per call after the fix; the first loaded batch includes one-off buffers
(whisper's last batch, a lazily loaded voice: about 0.5 MB) and the test's own bounded event history adds
about 3 KB per call. A leak the size of the router's shows first in ``Bot.held()``, checked exactly."""
"""A patient caller: on a busy machine the answer may take a while, and the call must not end before it."""


@pytest.mark.timeout(600)
async def test_twenty_sipp_calls_end_well_and_leave_nothing_behind(
    bot: Any, asterisk: AsteriskProcess, engines: Any, test_settings: Settings, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    questions = [Question(await synth_wav(engines, text, "fr", tmp_path / f"q{i}.wav"), intent)
                 for i, (text, intent) in enumerate(QUESTIONS)]
    pids = {"bot": os.getpid(), "asterisk": asterisk.proc.pid() or 0}

    async def take() -> Footprint:
        return await footprint(bot.ari, pids)

    # a first round at the same concurrency brings pools (ARI connections, worker threads) to their size
    await run_load(test_settings, questions, LoadPlan(AT_ONCE, AT_ONCE, call_s=12.0, first_number=9000),
                   tmp_path / "warmup", timeout=120)
    empty = Footprint(0, 0, {})
    await settle(take, empty, timeout=60)  # no channel or bridge left from the warm-up
    tracemalloc.start()
    try:
        heap_before = heap_mark(bot.held())
        before = await take()
        fds_before = open_files(os.getpid())
        assert (before.channels, before.bridges) == (0, 0), before
        caplog.set_level(logging.ERROR)
        mark = bot.hub.history.mark()

        result = await run_load(test_settings, questions,
                                LoadPlan(CALLS, AT_ONCE, rate=5.0, call_s=CALL_S, first_number=9100),
                                tmp_path / "load", timeout=CALLS / AT_ONCE * (CALL_S + 60) + 60)

        after = await settle(take, before, timeout=60)
        heap_after = heap_mark(bot.held())
        after = await take()  # RSS after the trim
        top = tracemalloc.take_snapshot().statistics("lineno")[:10]
    finally:
        tracemalloc.stop()
    outcomes = judge_all(result.expected, bot.hub.history.since(mark), result.marks,
                         test_settings.vad.end_of_speech_ms / 1000)
    totals = count(outcomes)
    detail = [(o.outcome, o.reply_key, o.latency_s) for o in outcomes]
    sipp = [(r.stats, r.errors) for r in result.sipp]
    assert sum(r.stats.created for r in result.sipp) == CALLS, sipp
    assert result.sipp_failed == 0, sipp
    assert all(o.outcome in DEFINED for o in outcomes), (totals, detail)
    assert sum(bool(o.correct) for o in outcomes) >= 1, (totals, detail)  # the speech path really answered
    assert not [e for e in bot.hub.history.since(mark) if isinstance(e.body, CallError)]
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    new_fds = "\n".join(sorted(set(open_files(os.getpid())) - set(fds_before)))
    assert growth(before, after) == {}, f"{before}\n{after}\nnew FDs of the bot:\n{new_fds}"
    # regular files: a few new paths opened once (a voice's data) are fine; a leak per call adds one per call
    assert all(n < CALLS // 4 for n in file_growth(before, after).values()), f"{after}\nnew FDs:\n{new_fds}"
    # memory: nothing kept per ended call, no task left, a Python heap that does not grow with the calls
    assert held_growth(heap_before, heap_after) == {}, (heap_before, heap_after)
    assert heap_after.tasks - heap_before.tasks < CALLS // 4, (heap_before, heap_after)
    heap_kb = (heap_after.python_mb - heap_before.python_mb) * 1024 / CALLS
    assert heap_kb < HEAP_KB_PER_CALL, (round(heap_kb, 1), "\n".join(map(str, top)))
    rss = {name: round(after.processes[name].rss_mb - p.rss_mb, 1) for name, p in before.processes.items()}
    assert all(rss[name] < limit for name, limit in RSS_GROWTH_MB.items()), rss
    # the generator is cheap: under 5 % of a core per call (sampled CPU of every SIPp process)
    sipp_wall = max(r.wall_s for r in result.sipp)
    assert result.sipp_cpu_s / sipp_wall / AT_ONCE < 0.05, (result.sipp_cpu_s, sipp_wall)
