"""Queue outcomes of calls handed over to a cluster's queue node, stored once, by the web front.

On one box the bot follows its own Asterisk's queues (``ivr/call/queue_events.py``). In a cluster the queues
are on the queue node, which runs no bot, and its channels are not the ones the media node stored the call
with: the only name of the call there is ``IVR_CALL_ID``, read from ``X-IVR-Call-Id`` when the media node
handed the caller over, and shown on every AMI event of the channel (``manager.conf`` ``channelvars``).

Exactly one process must record them, or the figures count each abandon once per recorder. The web front
is that process: there is one per cluster, its AMI already points at the queue node (the dashboard's
queues), and it reaches the shared PostgreSQL. ``ivr up --nodes N`` turns it on
(``cluster.record_queue_outcomes``); a media node's bot keeps recording only its own Asterisk's queues,
which in a cluster hold none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ivr.call.queue_events import QueueRecorder, by_call_variable
from ivr.clock import Clock, SystemClock
from ivr.store.db import SessionFactory
from ivr.store.models import CallRow
from ivr.store.writer import StoreWriter
from ivr.telephony.ami import AmiClient

log = logging.getLogger(__name__)


class StoredCalls:
    """``call_of`` for the queue node: the id from the header, if a media node stored that call."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def __call__(self, call_id: str) -> str | None:
        """``call_id`` if it names a stored call (a forged or foreign header names none: nothing is created)."""
        async with self._sessions() as s:
            row = await s.get(CallRow, call_id)
        return call_id if row is not None else None


@asynccontextmanager
async def queue_node_recorder(
    ami: AmiClient, sessions: SessionFactory, *, node: str, clock: Clock | None = None
) -> AsyncIterator[QueueRecorder]:
    """Record the queue node's outcomes into the calls' event streams while the context is open."""
    writer = StoreWriter(sessions, clock=clock, node=node)
    writer.start()
    recorder = QueueRecorder(ami, StoredCalls(sessions), writer, clock or SystemClock(), key=by_call_variable)
    task = asyncio.create_task(recorder.run(), name="queue-node-recorder")
    log.info("recording the queue node's outcomes (waits, answers, abandons) into the shared database")
    try:
        yield recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await writer.aclose()
