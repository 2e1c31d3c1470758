"""The call event stream, published through the real ``EventHub``, lands in the database (via the writer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.call import events as ce
from ivr.call.events import CallEvents, EventHub
from ivr.dialog.records import LanguageChosen
from ivr.enums import Outcome, Speaker
from ivr.nlu.types import Decision
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
    await ev.emit(ce.Started(channel="PJSIP/trunk-0001", number="+33612345678"))
    await ev.emit(ce.Said(key="greeting", lang="fr", interruptible=True, text=""))
    await ev.emit(ce.Transcript(Speaker.CALLER, "I need a passport", asr_s=0.8))
    await ev.emit(LanguageChosen("en"))
    await ev.emit(ce.IntentMatched("passport", Decision.ANSWER, 0.91, "I need a passport"))
    await ev.emit(ce.IntentMatched(None, Decision.ABSTAIN, 0.2, "my cat is stuck"))
    await ev.emit(ce.Handoff("etat_civil", ce.HandoffReason.QUEUE, "Passport; cat", "passport"))
    await writer.flush()

    detail = await calls.get_call("call-42")
    assert detail.caller_number == "+33612345678" and detail.call.channel_id == "PJSIP/trunk-0001"
    assert detail.call.lang == "en" and detail.call.outcome == "transferred"
    assert detail.call.service == "etat_civil" and detail.call.summary == "Passport; cat"
    assert detail.call.intents == ("passport",)
    assert [(t.speaker, t.text, t.decision) for t in detail.turns] == [
        ("caller", "I need a passport", "answer"), ("caller", "my cat is stuck", "abstain")]
    kinds = [e.kind for e in detail.events]
    assert kinds == ["started", "say", "transcript", "language", "intent", "intent", "handoff"]
    assert "number" not in detail.events[0].data  # the number is stored once, in calls
    unanswered = await StatsRepository(db.sessions).unanswered_questions()
    assert [q.text for q in unanswered] == ["my cat is stuck"]

    # back from the queue (callback accepted), then the caller hangs up
    await ev.emit(ce.CallbackScheduled("etat_civil", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)))
    await ev.emit(ce.Hangup(Outcome.CALLBACK))
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
    await ev.emit(ce.IntentMatched("horaires", Decision.ANSWER, 0.8, "horaires"))
    await ev.emit(ce.Hangup(Outcome.RESOLVED))
    await writer.aclose()
    [c] = await calls.list_recent()
    assert c.id == "resumed-1" and c.outcome == "resolved" and c.intents == ("horaires",)
