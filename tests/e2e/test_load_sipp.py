"""Twenty citizens through SIPp (the cheap load generator): every call ends well, nothing is left behind.

The short version of the soak (``bench/soak.py``): real SIP calls from 127.0.0.2 into the real Asterisk,
each streaming a synthesised question, ten at a time. Every call must end in a defined outcome (answered,
handed to a person, callback, or the bot asked again), none silent, none dropped; and once they are over,
Asterisk's channels and bridges and the bot's and Asterisk's sockets and other non-file descriptors are back
to their baseline (a few regular files opened once, such as a lazily loaded voice, are allowed; a growth per
call is not).
Waits on state (SIPp's exit, the calls' teardown), never on fixed sleeps.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from callhelpers import synth_wav

from ivr.call.events import CallError
from ivr.config import Settings
from ivr.probe.footprint import Footprint, file_growth, footprint, growth, open_files, settle
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
"""Memory growth allowed over the 20 calls after the warm-up: a leak of 7.5 MB (bot) or 2 MB (Asterisk) per call
fails it. Measured on the loaded 2-core machine: +60.5 MB (bot: the test process, whose recogniser's buffers
reach a higher mark with 10 questions at once than in the warm-up) and +3.9 MB (Asterisk); the soak
(bench/soak.py, 109 calls) saw +39 MB and +18 MB, so the bot's growth is a high-water mark, not per call."""
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
    before = await take()
    fds_before = open_files(os.getpid())
    assert (before.channels, before.bridges) == (0, 0), before
    caplog.set_level(logging.ERROR)
    mark = bot.hub.history.mark()

    result = await run_load(test_settings, questions,
                            LoadPlan(CALLS, AT_ONCE, rate=5.0, call_s=CALL_S, first_number=9100),
                            tmp_path / "load", timeout=CALLS / AT_ONCE * (CALL_S + 60) + 60)

    after = await settle(take, before, timeout=60)
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
    # memory: no per-call leak of any size (the warm-up above grew the caches and pools already)
    rss = {name: round(after.processes[name].rss_mb - p.rss_mb, 1) for name, p in before.processes.items()}
    assert all(rss[name] < limit for name, limit in RSS_GROWTH_MB.items()), rss
    # the generator is cheap: under 5 % of a core per call (sampled CPU of every SIPp process)
    sipp_wall = max(r.wall_s for r in result.sipp)
    assert result.sipp_cpu_s / sipp_wall / AT_ONCE < 0.05, (result.sipp_cpu_s, sipp_wall)
