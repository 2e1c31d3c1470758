"""N citizens asking real questions at once: one SIPp process per question, their CPU measured apart.

``run_load`` spreads the calls over the questions (call ``i`` asks question ``i mod len(questions)``), gives
every call its own French mobile number (how the bot's events are matched with SIPp's calls), and returns
each caller's :class:`~ivr.probe.outcomes.Expected` with the SIPp results. Process ``g`` of ``G`` starts
``g / rate`` s late and places a call every ``G / rate`` s, so together they make one steady arrival stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from ivr.config import Settings
from ivr.probe.outcomes import Expected
from ivr.probe.sipp import Scenario, SippCallers, SippProcess, SippResult, write_ulaw


@dataclass(frozen=True, slots=True)
class Question:
    """A caller's question: the recording and the intent it should get."""

    wav: Path
    intent: str


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """``calls`` calls, at most ``concurrent`` at once, ``rate`` new calls per second, each ``call_s`` long."""

    calls: int
    concurrent: int
    rate: float = 10.0
    call_s: float = 30.0
    """The caller hangs up this long after the answer, unless the bot hangs up first."""
    ask_at_s: float = 2.0
    """When the question starts after the answer (barging into the greeting, as impatient callers do)."""
    first_number: int = 0
    """Callers get ``06`` + 8 digits from ``first_number`` on: keep runs in one bot process apart."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What the callers did and what SIPp cost."""

    expected: tuple[Expected, ...]
    sipp: tuple[SippResult, ...]

    @property
    def marks(self) -> dict[str, list[str]]:
        """Every caller's SIPp marks."""
        out: dict[str, list[str]] = {}
        for r in self.sipp:
            out.update(r.marks)
        return out

    @property
    def sipp_cpu_s(self) -> float:
        """CPU seconds of all SIPp processes."""
        return round(sum(r.cpu_s for r in self.sipp), 3)

    @property
    def sipp_failed(self) -> int:
        """Calls SIPp counted as failed."""
        return sum(r.stats.failed for r in self.sipp)


def number(i: int) -> str:
    """The ``i``-th test caller's number: a French mobile, so callbacks and SMS may target it."""
    return f"06{i % 10**8:08d}"


class Load:
    """A running load; ``sipp_pids`` lets a sampler watch the generator's CPU while it runs."""

    def __init__(self, settings: Settings, questions: list[Question], plan: LoadPlan, workdir: Path) -> None:
        self.settings = settings
        self.plan = plan
        self.workdir = workdir
        self.questions = questions
        self.expected: list[Expected] = []
        self.processes: list[SippProcess] = []

    @property
    def sipp_pids(self) -> list[int]:
        """Process ids of the running SIPp processes."""
        return [p.pid for p in self.processes if p.pid is not None]

    async def start(self) -> None:
        """Encode the questions and start one SIPp per question that has callers."""
        p, a = self.plan, self.settings.asterisk
        groups: dict[int, list[str]] = {}
        for i in range(p.calls):
            groups.setdefault(i % len(self.questions), []).append(number(p.first_number + i))
        share = max(1, -(-p.concurrent // len(groups))) if groups else 1
        for order, (qi, numbers) in enumerate(sorted(groups.items())):
            q = self.questions[qi]
            work = self.workdir / f"q{qi:02d}"
            await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
            audio = work / "question.ulaw"
            speech_s = await asyncio.to_thread(write_ulaw, q.wav, audio, lead_s=p.ask_at_s, total_s=p.call_s + 5)
            self.expected.extend(Expected(n, q.intent, p.ask_at_s + speech_s) for n in numbers)
            callers = SippCallers(
                target=f"{a.bind}:{a.sip_port}", did=a.did, scenario=Scenario(audio, p.call_s),
                numbers=tuple(numbers), concurrent=min(share, len(numbers)),
                rate=max(p.rate / len(groups), 0.001), workdir=work, sleep_s=order / p.rate,
            )
            proc = SippProcess(callers)
            self.processes.append(proc)
        for proc in self.processes:
            await proc.start()

    async def wait(self, timeout: float) -> LoadResult:
        """Wait for every SIPp to finish its calls (killed past ``timeout``)."""
        results = await asyncio.gather(*(proc.wait(timeout) for proc in self.processes))
        return LoadResult(tuple(self.expected), tuple(results))

    async def kill(self) -> None:
        """Stop every SIPp now."""
        for proc in self.processes:
            with contextlib.suppress(Exception):
                await proc.kill()


async def run_load(settings: Settings, questions: list[Question], plan: LoadPlan, workdir: Path,
                   timeout: float) -> LoadResult:
    """Start the load and wait for it (SIPp killed past ``timeout``)."""
    load = Load(settings, questions, plan, workdir)
    try:
        await load.start()
        return await load.wait(timeout)
    finally:
        await load.kill()
