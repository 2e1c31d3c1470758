"""A cluster's calls are judged from what their nodes stored: the stored events judge as the live ones do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ivr.call import events as ce
from ivr.enums import Outcome, Speaker
from ivr.probe.outcomes import Expected, judge_all
from ivr.probe.stored_events import all_hung_up, nodes_of, stored_events
from ivr.store import Database, migrate
from ivr.store.writer import StoreWriter

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _call(call_id: str, number: str, answered: bool) -> list[ce.CallEvent]:
    at = [T0 + timedelta(seconds=s) for s in (0, 1, 6, 6.5, 7.2, 20)]
    said = ce.Said("answer:etat_civil_acte" if answered else "reprompt", "fr", True, "le texte dit")
    bodies: list[ce.EventBody] = [ce.Started("chan-" + call_id, number), ce.Said("greeting", "fr", True, "Bonjour"),
                                  ce.SpeechEnd(6.0), ce.Transcript(Speaker.CALLER, "mes mots", 0.4, 0.6), said,
                                  ce.Hangup(Outcome.RESOLVED)]
    return [ce.CallEvent(call_id, i, a, b) for i, (a, b) in enumerate(zip(at, bodies, strict=True))]


async def test_stored_events_judge_like_the_live_ones(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"
    await migrate(url)
    live = [*_call("c1", "0600001000", answered=True), *_call("c2", "0600001001", answered=False)]
    expected = [Expected("0600001000", "etat_civil_acte", 3.0), Expected("0600001001", "etat_civil_acte", 3.0)]
    marks = {x.number: ["ANSWERED", "REMOTE_BYE"] for x in expected}
    async with Database(url) as db:
        writer = StoreWriter(db.sessions, node="node-2")
        writer.start()
        for ev in live[:-1]:  # c2's hang-up not written yet
            writer.submit(ev)
        await writer.flush()
        stored = await stored_events(db.sessions, [x.number for x in expected])
        assert not all_hung_up(stored)
        writer.submit(live[-1])
        await writer.aclose()
        stored = await stored_events(db.sessions, [x.number for x in expected])
        assert all_hung_up(stored)
        assert await nodes_of(db.sessions, ["0600001000", "0600001001", "0699999999"]) == {"node-2": 2}
    assert {e.body.text for e in stored if isinstance(e.body, ce.Said)} == {""}  # words are not stored there
    from_db = judge_all(expected, stored, marks, 0.6)
    from_hub = judge_all(expected, live, marks, 0.6)
    assert [(o.outcome, o.latency_s, o.asr_s, o.correct) for o in from_db] == \
        [(o.outcome, o.latency_s, o.asr_s, o.correct) for o in from_hub]
    assert [o.outcome for o in from_db] == ["answered", "replied"]
