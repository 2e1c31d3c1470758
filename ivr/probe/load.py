"""N citizens asking real questions at once: one SIPp process per question, their CPU measured apart.

``run_load`` spreads the calls over the questions (call ``i`` asks question ``i mod len(questions)``), gives
every call its own French mobile number (how the bot's events are matched with SIPp's calls), and returns
each caller's :class:`~ivr.probe.outcomes.Expected` with the SIPp results. Process ``g`` of ``G`` starts
``g / rate`` s late and places a call every ``G / rate`` s, so together they make one steady arrival stream;
below one call per second per process, each call gets its own SIPp instead (see ``MIN_SIPP_RATE``).
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


MIN_SIPP_RATE = 1.0
"""New calls per second below which SIPp does not pace the calls itself. SIPp runs its calls' timers only when
it creates calls: with a rate period over 1 s a caller's hang-up waits for the next period (seen: 25 s calls
lasting 60 s at one call a minute). Slower arrivals get one SIPp per call, started on time from here."""


class Load:
    """A running load; ``sipp_pids`` lets a sampler watch the generator's CPU while it runs."""

    def __init__(self, settings: Settings, questions: list[Question], plan: LoadPlan, workdir: Path) -> None:
        self.settings = settings
        self.plan = plan
        self.workdir = workdir
        self.questions = questions
        self.expected: list[Expected] = []
        self.processes: list[SippProcess] = []
        self._launcher: asyncio.Task[None] | None = None

    @property
    def sipp_pids(self) -> list[int]:
        """Process ids of the running SIPp processes."""
        return [p.pid for p in self.processes if p.pid is not None]

    async def start(self) -> None:
        """Encode the questions, then start one SIPp per question (or one per call, on time, when slow)."""
        p = self.plan
        groups: dict[int, list[str]] = {}
        for i in range(p.calls):
            groups.setdefault(i % len(self.questions), []).append(number(p.first_number + i))
        audio: dict[int, Path] = {}
        for qi in sorted(groups):
            work = self.workdir / f"q{qi:02d}"
            await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
            audio[qi] = work / "question.ulaw"
            speech_s = await asyncio.to_thread(write_ulaw, self.questions[qi].wav, audio[qi], lead_s=p.ask_at_s,
                                               total_s=p.call_s + 5)
            self.expected.extend(Expected(n, self.questions[qi].intent, p.ask_at_s + speech_s) for n in groups[qi])
        if groups and p.rate / len(groups) >= MIN_SIPP_RATE:
            share = max(1, -(-p.concurrent // len(groups)))
            for order, (qi, numbers) in enumerate(sorted(groups.items())):
                self.processes.append(SippProcess(self._callers(
                    audio[qi], tuple(numbers), self.workdir / f"q{qi:02d}", concurrent=min(share, len(numbers)),
                    rate=p.rate / len(groups), sleep_s=order / p.rate)))
            for proc in self.processes:
                await proc.start()
            return
        one_each = [SippProcess(self._callers(audio[i % len(self.questions)], (number(p.first_number + i),),
                                              self.workdir / f"q{i % len(self.questions):02d}" / f"c{i:05d}"))
                    for i in range(p.calls)]
        self.processes = one_each
        self._launcher = asyncio.create_task(self._launch(one_each))

    def _callers(self, audio: Path, numbers: tuple[str, ...], work: Path, *, concurrent: int = 1,
                 rate: float = MIN_SIPP_RATE, sleep_s: float = 0.0) -> SippCallers:
        a = self.settings.asterisk
        return SippCallers(target=f"{a.sip_bind or a.bind}:{a.sip_port}", did=a.did,
                           scenario=Scenario(audio, self.plan.call_s), numbers=numbers, concurrent=concurrent,
                           rate=rate, workdir=work, sleep_s=sleep_s)

    async def _launch(self, processes: list[SippProcess]) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for i, proc in enumerate(processes):
            await asyncio.sleep(max(0.0, t0 + i / self.plan.rate - loop.time()))  # the arrival schedule
            await proc.start()

    async def wait(self, timeout: float) -> LoadResult:
        """Wait for every SIPp to finish its calls (killed past ``timeout``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._launcher is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._launcher, timeout)
        started = [proc for proc in self.processes if proc.pid is not None]
        left = max(1.0, deadline - loop.time())
        results = await asyncio.gather(*(proc.wait(left) for proc in started))
        return LoadResult(tuple(self.expected), tuple(results))

    async def kill(self) -> None:
        """Stop every SIPp now (and any not started yet)."""
        if self._launcher is not None:
            self._launcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._launcher
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
