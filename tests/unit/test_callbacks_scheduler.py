"""The callback scheduler on a real SQLite file and virtual time, with a scripted dialer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from ivr.actions.callbacks import CallbackNotFound, CallbackOutcome, CallbackScheduler
from ivr.actions.numbers import InvalidNumber
from ivr.actions.quota import QuotaExceeded
from ivr.clock import VirtualClock
from ivr.store import Database
from ivr.store.records import CallbackRecord
from ivr.testing.waits import eventually


class ScriptedDialer:
    """Returns the next scripted outcome (COMPLETED when the script is empty); can hold a call open."""

    def __init__(self, *outcomes: CallbackOutcome | Exception) -> None:
        self.outcomes = list(outcomes)
        self.dialled: list[CallbackRecord] = []
        self.hold: asyncio.Event | None = None

    async def dial(self, cb: CallbackRecord) -> CallbackOutcome:
        self.dialled.append(cb)
        if self.hold is not None:
            await self.hold.wait()
        outcome = self.outcomes.pop(0) if self.outcomes else CallbackOutcome.COMPLETED
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class World:
    """Opening hours and agents that tests switch on and off."""

    def __init__(self) -> None:
        self.open: set[str] = {"accueil", "etat_civil", "urbanisme"}
        self.free: set[str] = {"accueil", "etat_civil", "urbanisme"}
        self.asked: list[tuple[str, datetime]] = []

    def is_open(self, service: str, at: datetime) -> bool:
        self.asked.append((service, at))
        return service in self.open

    async def agents_free(self, service: str) -> bool:
        return service in self.free


def _scheduler(db: Database, clock: VirtualClock, world: World, dialer: ScriptedDialer,
               **kw: float) -> CallbackScheduler:
    return CallbackScheduler(db.sessions, clock, world.is_open, world.agents_free, dialer,
                             max_attempts=int(kw.pop("max_attempts", 3)), retry_delay_s=kw.pop("retry_delay_s", 600),
                             **kw)


async def test_due_open_and_agent_free_then_dialled(db: Database) -> None:
    clock, world, dialer = VirtualClock(), World(), ScriptedDialer()
    sched = _scheduler(db, clock, world, dialer)
    cb = await sched.schedule("call-1", "01 23 45 67 89", "etat_civil", "fr", "Acte de naissance pour un mariage",
                              clock.now() + timedelta(hours=1))
    assert cb.number == "+33123456789" and cb.status == "pending" and cb.attempts == 0
    assert await sched.tick() == []  # not due yet
    clock.advance(3600)
    world.open.discard("etat_civil")
    assert await sched.tick() == []  # closed
    assert world.asked[-1] == ("etat_civil", clock.now())
    world.open.add("etat_civil")
    world.free.discard("etat_civil")
    assert await sched.tick() == []  # no agent free
    world.free.add("etat_civil")
    [done] = await sched.tick()
    assert done.status == "done" and done.outcome == "completed" and done.attempts == 1
    assert done.last_attempt_at == clock.now()
    assert dialler_saw(dialer) == [("+33123456789", "Acte de naissance pour un mariage", "fr")]
    assert await sched.tick() == []  # never dialled twice


def dialler_saw(dialer: ScriptedDialer) -> list[tuple[str, str, str]]:
    return [(c.number, c.summary, c.lang) for c in dialer.dialled]


async def test_survives_a_restart(db: Database) -> None:
    clock, world = VirtualClock(), World()
    first = _scheduler(db, clock, world, ScriptedDialer())
    cb = await first.schedule(None, "0612345678", "accueil", "en", "Lost passport")
    del first
    dialer = ScriptedDialer()
    second = _scheduler(db, clock, world, dialer)
    [done] = await second.tick()
    assert done.id == cb.id and done.status == "done" and dialer.dialled[0].lang == "en"


async def test_crash_while_dialling_is_recovered(db: Database) -> None:
    clock, world = VirtualClock(), World()
    dialer = ScriptedDialer()
    dialer.hold = asyncio.Event()
    crashed = _scheduler(db, clock, world, dialer)
    cb = await crashed.schedule(None, "0612345678", "accueil", "fr", "x")
    task = asyncio.create_task(crashed.tick())

    async def dialling() -> bool:
        return bool(dialer.dialled)

    await eventually(dialling)
    assert (await crashed.get(cb.id)).status == "dialling"  # type: ignore[union-attr]
    task.cancel()  # the process dies mid-call
    with pytest.raises(asyncio.CancelledError):
        await task
    restarted = _scheduler(db, clock, world, ScriptedDialer())
    [done] = await restarted.tick()
    assert done.id == cb.id and done.status == "done"


async def test_retries_then_fails_after_max_attempts(db: Database) -> None:
    clock, world = VirtualClock(), World()
    dialer = ScriptedDialer(CallbackOutcome.NO_ANSWER, RuntimeError("ARI down"), CallbackOutcome.BUSY)
    sched = _scheduler(db, clock, world, dialer, max_attempts=3, retry_delay_s=900)
    cb = await sched.schedule(None, "0612345678", "accueil", "fr", "x")
    [r1] = await sched.tick()
    assert (r1.status, r1.attempts, r1.outcome) == ("pending", 1, "no_answer")
    assert r1.not_before == clock.now() + timedelta(seconds=900)
    assert await sched.tick() == []  # waits for the retry delay
    clock.advance(900)
    [r2] = await sched.tick()
    assert (r2.status, r2.attempts, r2.outcome) == ("pending", 2, "failed")  # dialer crash = failed attempt
    clock.advance(900)
    [r3] = await sched.tick()
    assert (r3.status, r3.attempts, r3.outcome) == ("failed", 3, "busy")
    clock.advance(900)
    assert await sched.tick() == [] and len(dialer.dialled) == 3
    assert [c.id for c in await sched.find(["failed"])] == [cb.id]


async def test_agent_unavailable_does_not_count_against_the_citizen(db: Database) -> None:
    clock, world = VirtualClock(), World()
    dialer = ScriptedDialer(*([CallbackOutcome.AGENT_UNAVAILABLE] * 5))
    sched = _scheduler(db, clock, world, dialer, max_attempts=2, retry_delay_s=60)
    await sched.schedule(None, "0612345678", "accueil", "fr", "x")
    for _ in range(5):
        [r] = await sched.tick()
        assert r.status == "pending" and r.attempts == 0
        clock.advance(60)
    [r] = await sched.tick()
    assert r.status == "done" and r.attempts == 1


async def test_one_dial_per_service_at_a_time_services_in_parallel(db: Database) -> None:
    clock, world, dialer = VirtualClock(), World(), ScriptedDialer()
    sched = _scheduler(db, clock, world, dialer)
    for n, service in enumerate(("accueil", "accueil", "urbanisme")):
        await sched.schedule(None, f"061234567{n}", service, "fr", service)
    first = await sched.tick()
    assert sorted(r.service for r in first) == ["accueil", "urbanisme"]
    second = await sched.tick()
    assert [r.service for r in second] == ["accueil"]


async def test_cancel_and_bad_numbers(db: Database) -> None:
    clock, world, dialer = VirtualClock(), World(), ScriptedDialer()
    sched = _scheduler(db, clock, world, dialer)
    with pytest.raises(InvalidNumber):
        await sched.schedule(None, "12", "accueil", "fr", "x")
    cb = await sched.schedule(None, "0612345678", "accueil", "fr", "x", clock.now() + timedelta(minutes=5))
    assert [c.id for c in await sched.find(["pending", "dialling"])] == [cb.id]
    await sched.cancel(cb.id)
    with pytest.raises(CallbackNotFound):
        await sched.cancel(cb.id)
    clock.advance(600)
    assert await sched.tick() == [] and dialer.dialled == []



async def test_run_loop_on_virtual_time_does_not_block_on_long_calls(db: Database) -> None:
    clock, world = VirtualClock(), World()
    dialer = ScriptedDialer()
    dialer.hold = asyncio.Event()  # every call lasts until released
    sched = _scheduler(db, clock, world, dialer, poll_interval_s=30)
    await sched.schedule(None, "0612345678", "accueil", "fr", "long call")
    runner = asyncio.create_task(sched.run())

    async def dialled(n: int) -> bool:
        return len(dialer.dialled) >= n

    async def all_done() -> bool:
        return {c.status for c in await sched.find()} == {"done"}

    try:
        await eventually(lambda: dialled(1))
        assert [c.summary for c in dialer.dialled] == ["long call"]
        await sched.schedule(None, "0698765432", "urbanisme", "fr", "second", clock.now() + timedelta(seconds=45))
        clock.advance(30)
        await asyncio.sleep(0.2)
        assert len(dialer.dialled) == 1  # not yet due
        clock.advance(30)
        await eventually(lambda: dialled(2))
        assert [c.summary for c in dialer.dialled] == ["long call", "second"]  # while the first is still on
        dialer.hold.set()
        await eventually(all_done)
    finally:
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner


async def test_costly_numbers_and_repeat_requests_are_refused(db: Database) -> None:
    clock, world, dialer = VirtualClock(), World(), ScriptedDialer()
    sched = _scheduler(db, clock, world, dialer)
    for costly in ("08 99 12 34 56", "08 20 12 34 56", "+44 20 7946 0958", "+882 1234 5678"):
        with pytest.raises(InvalidNumber):
            await sched.schedule(None, costly, "accueil", "fr", "a faked caller id")
    cb = await sched.schedule(None, "0612345678", "accueil", "fr", "first")
    with pytest.raises(QuotaExceeded, match="pending"):
        await sched.schedule(None, "+33612345678", "urbanisme", "fr", "second while pending")
    await sched.cancel(cb.id)
    await sched.schedule(None, "0612345678", "accueil", "fr", "again")
    await sched.cancel((await sched.find(["pending"]))[0].id)
    await sched.schedule(None, "0612345678", "accueil", "fr", "third")
    await sched.cancel((await sched.find(["pending"]))[0].id)
    with pytest.raises(QuotaExceeded, match="daily"):
        await sched.schedule(None, "0612345678", "accueil", "fr", "fourth in a day")
    clock.advance(24 * 3600 + 1)
    await sched.schedule(None, "0612345678", "accueil", "fr", "next day")


async def test_a_callback_that_never_gets_an_agent_ends_expired(db: Database) -> None:
    clock, world, dialer = VirtualClock(), World(), ScriptedDialer()
    world.free = set()  # nobody ever free: the request must not stay pending forever
    sched = _scheduler(db, clock, world, dialer)
    cb = await sched.schedule(None, "0612345678", "accueil", "fr", "x")
    for _ in range(7 * 24):
        assert await sched.tick() == []
        clock.advance(3600)
    clock.advance(1)  # just past 7 days
    assert await sched.tick() == []
    done = await sched.get(cb.id)
    assert done is not None and (done.status, done.outcome) == ("failed", "expired")
