"""What happens to a caller in an Asterisk queue, written into that call's own event stream.

Once the bot hands a call to ``ivr-queue``, the call leaves Stasis and the bot sees nothing more: the only
witness of "the caller hung up after 4 minutes" or "an agent answered after 40 s" is AMI. The city's
figures (unanswered, waits) need both, so this module turns ``QueueCallerAbandon`` and ``AgentConnect``
into ``queue_abandoned`` / ``agent_answered`` events of the call, matched by the caller channel's unique id
(which is the ARI channel id the call was stored with). The mapping is pure; the recorder is a thin loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ivr.call.events import AgentAnswered, CallEvent, QueueAbandoned
from ivr.clock import Clock
from ivr.telephony.ami import AmiClient
from ivr.telephony.ami_events import AgentConnect, QueueCallerAbandon, QueueEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueueRecord:
    """A queue outcome to add to the stream of the call whose channel is ``unique_id``."""

    unique_id: str
    body: QueueAbandoned | AgentAnswered
    ivr_call_id: str = ""
    """The call id the caller's channel inherited (``IVR_CALL_ID``): the key on a cluster's queue node."""

    @property
    def kind(self) -> str:
        """The stored kind of the event."""
        return self.body.KIND


def queue_record(event: QueueEvent) -> QueueRecord | None:
    """The call event a queue event means (``None`` for those the figures do not need)."""
    if isinstance(event, QueueCallerAbandon):
        return QueueRecord(event.unique_id, QueueAbandoned(event.queue, event.hold_time), event.ivr_call_id)
    if isinstance(event, AgentConnect):
        return QueueRecord(event.unique_id, AgentAnswered(event.queue, event.hold_time, event.member_name),
                           event.ivr_call_id)
    return None


def by_channel(rec: QueueRecord) -> str:
    """One box: the caller's channel is the one the call was stored with."""
    return rec.unique_id


def by_call_variable(rec: QueueRecord) -> str:
    """A cluster's queue node: its channel is new, the call id came in ``X-IVR-Call-Id`` (``IVR_CALL_ID``)."""
    return rec.ivr_call_id


class QueueRecorder:
    """Subscribe to AMI; publish each queue outcome as an event of the call it belongs to.

    ``key`` picks what names the call in the event (:func:`by_channel` or :func:`by_call_variable`) and
    ``call_of`` turns it into a stored call's id (``None``: not a call of ours).
    """

    def __init__(
        self,
        ami: AmiClient,
        call_of: Callable[[str], Awaitable[str | None]],
        publish: Callable[[CallEvent], Awaitable[None]],
        clock: Clock,
        *,
        key: Callable[[QueueRecord], str] = by_channel,
    ) -> None:
        self._ami = ami
        self._call_of = call_of
        self._publish = publish
        self._clock = clock
        self._key = key

    async def handle(self, event: QueueEvent) -> CallEvent | None:
        """Record one AMI queue event; returns what was published."""
        rec = queue_record(event)
        if rec is None or not self._key(rec):
            return None
        call_id = await self._call_of(self._key(rec))
        if call_id is None:
            log.debug("queue event %s for unknown call %s", rec.kind, self._key(rec))
            return None
        out = CallEvent(call_id, 0, self._clock.now(), rec.body)
        await self._publish(out)
        return out

    async def run(self) -> None:
        """Until cancelled (the AMI client keeps the subscription across reconnections)."""
        async with self._ami.subscribe() as events:
            while True:
                event = await events.get()
                try:
                    await self.handle(event)
                except Exception:
                    log.exception("could not record a queue event")
