"""Supervision: the bot's forever-tasks are watched; the first one to end (crash or return) is reported."""

from __future__ import annotations

import asyncio

from ivr.supervise import describe, first_to_end


async def forever() -> None:
    await asyncio.Event().wait()


async def crash() -> None:
    await asyncio.sleep(0)
    raise ValueError("boom")


async def test_a_crashed_task_is_the_one_reported() -> None:
    tasks = [asyncio.create_task(forever(), name="web"), asyncio.create_task(crash(), name="router")]
    died = await asyncio.wait_for(first_to_end(tasks, asyncio.Event()), 5)
    assert died is tasks[1]
    assert describe(died) == "task 'router' crashed: ValueError('boom')"
    tasks[0].cancel()


async def test_a_task_that_returns_is_a_fault_too() -> None:
    async def done() -> None:
        return None

    task = asyncio.create_task(done(), name="sms-outbox")
    died = await asyncio.wait_for(first_to_end([task], asyncio.Event()), 5)
    assert died is task and describe(task) == "task 'sms-outbox' returned (it should run forever)"


async def test_a_stop_request_is_not_a_death() -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(forever(), name="web")
    asyncio.get_running_loop().call_soon(stop.set)
    assert await asyncio.wait_for(first_to_end([task], stop), 5) is None
    assert not task.done()
    task.cancel()
