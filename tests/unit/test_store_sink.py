"""The call event stream, published through the real ``EventHub``, lands in the database (via the writer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.call.events import CallEvents, EventHub
from ivr.store import CallRepository, Database, StatsRepository
from ivr.store.writer import StoreWriter


class Ticker:
    """A wall clock advancing one second per reading."""

    def __init__(self) -> None:
        self.t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


async def test_event_stream_becomes_call_turns_and_events(db: Database) -> None:
    calls = CallRepository(db.sessions)
    hub = EventHub()
    writer = StoreWriter(db.sessions)
    writer.start()
    hub.add_sink(writer)
    ev = CallEvents("call-42", hub, Ticker())
    await ev.emit("started", number="+33612345678", channel="PJSIP/trunk-0001")
    await ev.emit("say", key="greeting", lang="fr", interruptible=True)
    await ev.emit("transcript", speaker="caller", text="I need a passport", asr_s=0.8)
    await ev.emit("language", lang="en")
    await ev.emit("intent", intent="passport", decision="answer", score=0.91, text="I need a passport")
    await ev.emit("intent", intent=None, decision="abstain", score=0.2, text="my cat is stuck")
    await ev.emit("transfer", service="etat_civil", summary="Passport; cat", intent="passport")
    await writer.flush()

    detail = await calls.get_call("call-42")
    assert detail.caller_number == "+33612345678" and detail.call.channel_id == "PJSIP/trunk-0001"
    assert detail.call.lang == "en" and detail.call.outcome == "transferred"
    assert detail.call.service == "etat_civil" and detail.call.summary == "Passport; cat"
    assert detail.call.intents == ("passport",)
    assert [(t.speaker, t.text, t.decision) for t in detail.turns] == [
        ("caller", "I need a passport", "answer"), ("caller", "my cat is stuck", "abstain")]
    kinds = [e.kind for e in detail.events]
    assert kinds == ["started", "say", "transcript", "language", "intent", "intent", "transfer"]
    assert "number" not in detail.events[0].data  # the number is stored once, in calls
    unanswered = await StatsRepository(db.sessions).unanswered_questions()
    assert [q.text for q in unanswered] == ["my cat is stuck"]

    # back from the queue (callback accepted), then the caller hangs up
    await ev.emit("callback", service="etat_civil", not_before="2026-03-02T14:00:00+00:00")
    await ev.emit("hangup", outcome="callback")
    await writer.flush()
    await writer.aclose()
    assert (await calls.get_call("call-42")).call.outcome == "callback"


async def test_events_of_an_unknown_call_create_it(db: Database) -> None:
    calls = CallRepository(db.sessions)
    writer = StoreWriter(db.sessions)
    writer.start()
    hub = EventHub()
    hub.add_sink(writer)
    ev = CallEvents("resumed-1", hub, Ticker())
    await ev.emit("intent", intent="horaires", decision="answer", score=0.8, text="horaires")
    await ev.emit("hangup", outcome="resolved")
    await writer.aclose()
    [c] = await calls.list_recent()
    assert c.id == "resumed-1" and c.outcome == "resolved" and c.intents == ("horaires",)
