"""The events of calls taken by other processes, read back from the shared database to judge them.

A load run against one in-process bot judges each call from the bot's own event hub. Against a cluster the
bots are other processes (one per media node): what they did is in PostgreSQL, as call rows and call events.
This rebuilds, for the calls of given caller numbers, the typed events :func:`ivr.probe.outcomes.judge`
reads (started, end of speech, transcript, what was said, hand-off, callback, error, hang-up). Personal fields
(the words) are not stored with events and come back empty: judging never reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ivr.call import events as ce
from ivr.enums import Outcome, Speaker
from ivr.store.db import SessionFactory
from ivr.store.models import CallEventRow, CallRow


def event_body(kind: str, data: dict[str, Any], number: str) -> ce.EventBody | None:
    """The typed body of one stored event (``None`` for the kinds judging does not read)."""
    if kind == ce.Started.KIND:
        return ce.Started(str(data.get("channel", "")), number)
    if kind == ce.SpeechEnd.KIND:
        return ce.SpeechEnd(float(data.get("t", 0.0)))
    if kind == ce.Transcript.KIND:
        return ce.Transcript(Speaker(data.get("speaker", Speaker.CALLER)), "", float(data.get("asr_s", 0.0)),
                             float(data.get("eos_wait_s", 0.0)))
    if kind == ce.Said.KIND:
        return ce.Said(str(data.get("key", "")), str(data.get("lang", "fr")), bool(data.get("interruptible")), "")
    if kind == ce.Handoff.KIND:
        return ce.Handoff(str(data.get("service", "")), ce.HandoffReason(data.get("reason", "queue")))
    if kind == ce.CallbackScheduled.KIND:
        return ce.CallbackScheduled(str(data.get("service", "")), datetime.fromisoformat(str(data["not_before"])))
    if kind == ce.CallError.KIND:
        return ce.CallError(str(data.get("code", "")), data.get("stage"))
    if kind == ce.Hangup.KIND:
        return ce.Hangup(Outcome(data.get("outcome", Outcome.FAILED)))
    return None


async def stored_events(sessions: SessionFactory, numbers: Iterable[str]) -> list[ce.CallEvent]:
    """The judged events of the calls from ``numbers`` (a run gives each call its own number), in stored order."""
    wanted = list(numbers)
    async with sessions() as s:
        calls = {c.id: c.caller_number or "" for c in await s.scalars(
            select(CallRow).where(CallRow.caller_number.in_(wanted)))}
        rows = list(await s.scalars(select(CallEventRow).where(CallEventRow.call_id.in_(list(calls)))
                                    .order_by(CallEventRow.call_id, CallEventRow.at, CallEventRow.id)))
    out: list[ce.CallEvent] = []
    for row in rows:
        body = event_body(row.kind, dict(row.data or {}), calls[row.call_id])
        if body is not None:
            out.append(ce.CallEvent(row.call_id, 0, row.at, body))
    return out


def all_hung_up(events: Iterable[ce.CallEvent]) -> bool:
    """Every call among ``events`` has its hang-up stored (its node's writer caught up)."""
    events = list(events)
    return {e.call_id for e in events} == {e.call_id for e in events if isinstance(e.body, ce.Hangup)}


async def nodes_of(sessions: SessionFactory, numbers: Iterable[str]) -> dict[str, int]:
    """How many of the calls from ``numbers`` each media node took (``calls.node``)."""
    async with sessions() as s:
        rows = await s.scalars(select(CallRow.node).where(CallRow.caller_number.in_(list(numbers))))
        return dict(Counter(str(n) for n in rows))
