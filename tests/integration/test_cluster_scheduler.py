"""Two callback schedulers (two media nodes) on one real PostgreSQL: every callback is dialled exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ivr.actions.callbacks import CallbackOutcome, CallbackScheduler
from ivr.clock import VirtualClock
from ivr.store.db import Database
from ivr.store.records import CallbackRecord

pytestmark = pytest.mark.parametrize("db", ["postgresql"], indirect=True)


class CountingDialer:
    """Records every dial; a dial takes a while, so the other node's scheduler runs meanwhile."""

    def __init__(self, dialled: Counter[int], by_node: Counter[str], node: str, hold: asyncio.Event) -> None:
        self.dialled, self.by_node, self.node, self.hold = dialled, by_node, node, hold

    async def dial(self, cb: CallbackRecord) -> CallbackOutcome:
        self.dialled[cb.id] += 1
        self.by_node[self.node] += 1
        await self.hold.wait()
        return CallbackOutcome.COMPLETED


class Barrier:
    """``agents_free`` of both nodes: opens once both have listed the due rows, so their claims really race."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.open = asyncio.Event()

    def for_node(self, node: str) -> Callable[[str], Awaitable[bool]]:
        async def agents_free(_service: str) -> bool:
            self.seen.add(node)
            if len(self.seen) == 2:
                self.open.set()
            await self.open.wait()
            return True

        return agents_free


@pytest.fixture
async def second(db: Database) -> AsyncIterator[Database]:
    """A second connection pool to the same database: another node's."""
    async with Database(db.url) as other:
        yield other


def _scheduler(db: Database, clock: VirtualClock, dialer: CountingDialer, barrier: Barrier) -> CallbackScheduler:
    return CallbackScheduler(db.sessions, clock, is_open=lambda _s, _t: True,
                             agents_free=barrier.for_node(dialer.node), dialer=dialer, node=dialer.node)


async def test_two_schedulers_dial_each_callback_exactly_once(db: Database, second: Database) -> None:
    clock = VirtualClock()
    dialled: Counter[int] = Counter()
    by_node: Counter[str] = Counter()
    hold = asyncio.Event()
    barrier = Barrier()
    a = _scheduler(db, clock, CountingDialer(dialled, by_node, "node-a", hold), barrier)
    b = _scheduler(second, clock, CountingDialer(dialled, by_node, "node-b", hold), barrier)
    services = [f"service{i}" for i in range(12)]  # one dial per service at a time: 12 services, 12 dials at once
    ids = [(await a.schedule(None, f"06123456{i:02d}", s, "fr", "rappel")).id for i, s in enumerate(services)]
    # both nodes race for the same due rows, several passes each, while the dials are in progress
    passes = [asyncio.ensure_future(sched._start_due()) for _ in range(3) for sched in (a, b)]
    started = [t for batch in await asyncio.gather(*passes) for t in batch]
    assert barrier.seen == {"node-a", "node-b"}
    # a node starting mid-dial takes back none of the others' live claims; a restarted node takes back its own
    node_c = _scheduler(second, clock, CountingDialer(dialled, by_node, "node-c", hold), barrier)
    assert await node_c.recover() == 0
    node_b_again = _scheduler(second, clock, CountingDialer(dialled, by_node, "node-b", hold), barrier)
    assert await node_b_again.recover() == by_node["node-b"]
    hold.set()
    await asyncio.gather(*started)
    assert sorted(dialled) == sorted(ids)
    assert set(dialled.values()) == {1}, dialled
    done = await a.find()
    assert all(r.status == "done" for r in done) and len(done) == len(ids)
