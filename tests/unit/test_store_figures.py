"""The city's figures on hand-made event streams where every figure is known, then through SQLite and the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ivr.cli import main
from ivr.store import CallRepository, Database, migrate
from ivr.store.figures import CallbackFact, Conversation, StoredEvent, Verdict, compute, p90, verdict
from ivr.store.figures_query import FiguresRepository, Period
from ivr.store.models import CallbackRow

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # 09:30 in Paris, Monday
NOW = T0 + timedelta(days=2)
PROMISE = timedelta(hours=4)


def ev(kind: str, **data: Any) -> StoredEvent:
    return StoredEvent(kind, data)


def transfer(service: str) -> list[StoredEvent]:
    """Today's two events per hand-off (the dialog's record and the session's)."""
    return [ev("transfer", service=service, intent=None), ev("transfer", service=service, summary="...")]


STREAMS: dict[str, list[StoredEvent]] = {
    "bot": [ev("intent", intent="horaires_mairie", decision="answer", text="vous ouvrez quand"),
            ev("answer", intent="horaires_mairie"), ev("hangup", outcome="resolved")],
    "reception": [ev("intent", intent=None, decision="abstain", text="Euh, ma poubelle bleue ?"),
                  *transfer("accueil"), ev("agent_answered", service="accueil", wait_s=30)],
    "handed": [ev("intent", intent="passeport", decision="answer", text="un passeport"),
               ev("answer", intent="passeport"), *transfer("etat_civil"),
               ev("agent_answered", service="etat_civil", wait_s=90)],
    "abandoned": [*transfer("urbanisme"), ev("queue_abandoned", service="urbanisme", wait_s=120)],
    "cb_kept": [ev("intent", intent="passeport", decision="answer", text="passeport"),
                ev("intent", intent="passeport", decision="answer", text="passeport encore"),
                ev("callback", service="etat_civil"), ev("hangup", outcome="callback")],
    "cb_failed": [ev("callback", service="proprete"), ev("hangup", outcome="callback")],
    "cb_overdue": [ev("callback", service="education"), ev("hangup", outcome="callback")],
    "emergency": [ev("emergency", case="fire"), ev("transfer", service="emergency"),
                  ev("queue_abandoned", service="x", wait_s=None)],
    "hung_up": [ev("intent", intent=None, decision="abstain", text="euh ma poubelle   bleue"),
                ev("hangup", outcome="abandoned")],
    "cb_waiting": [ev("callback", service="accueil"), ev("hangup", outcome="callback")],
}
NOT_BEFORE = T0 + timedelta(hours=1)
CALLBACKS = [
    CallbackFact("cb_kept", "etat_civil", T0, NOT_BEFORE, "done", NOT_BEFORE + timedelta(hours=1)),
    CallbackFact("cb_failed", "proprete", T0, NOT_BEFORE, "failed", NOT_BEFORE + timedelta(hours=2)),
    CallbackFact("cb_overdue", "education", T0, NOT_BEFORE, "pending", None),
    CallbackFact("cb_waiting", "accueil", T0, NOW - timedelta(hours=1), "pending", None),
    CallbackFact(None, "accueil", T0, NOT_BEFORE, "done", NOT_BEFORE + timedelta(hours=5)),  # chat form, late
]
EXPECTED_VERDICTS = {
    "bot": Verdict.RESOLVED_BY_BOT, "reception": Verdict.RESOLVED_BY_RECEPTION,
    "handed": Verdict.HANDED_TO_SERVICE, "abandoned": Verdict.UNANSWERED, "cb_kept": Verdict.HANDED_TO_SERVICE,
    "cb_failed": Verdict.UNANSWERED, "cb_overdue": Verdict.UNANSWERED, "emergency": Verdict.EMERGENCY,
    "hung_up": Verdict.NOT_RESOLVED, "cb_waiting": Verdict.RESOLVED_BY_RECEPTION,
}


def conversations() -> list[Conversation]:
    return [Conversation(cid, T0 + timedelta(minutes=i), "phone", tuple(evs))
            for i, (cid, evs) in enumerate(STREAMS.items())]


def check_figures(out: Mapping[str, Any]) -> None:
    """What the streams above must give, whichever way they were computed."""
    assert out["calls"] == 10
    assert (out["resolved_by_bot"], out["resolved_by_reception"], out["resolved_first_level"]) == (1, 2, 3)
    assert (out["handed_to_service"], out["unanswered"], out["emergencies"], out["not_resolved"]) == (2, 3, 1, 1)
    assert (out["first_level_rate"], out["unanswered_rate"], out["handed_rate"]) == (0.3, 0.3, 0.2)
    assert out["abandoned_in_queue"] == 2  # the emergency caller also left a queue, without a known wait
    assert (out["callbacks_requested"], out["callbacks_completed"], out["callbacks_late"]) == (5, 1, 1)
    assert (out["callbacks_failed"], out["callbacks_pending"]) == (2, 1)
    assert (out["waits"], out["wait_avg_s"], out["wait_p90_s"]) == (3, 80.0, 120.0)
    assert out["top_intents"] == [{"intent": "passeport", "count": 2}, {"intent": "horaires_mairie", "count": 1}]
    assert out["top_unanswered"] == [{"text": "Euh, ma poubelle bleue ?", "count": 2}]
    assert out["emergencies_by_case"] == {"fire": 1}


def test_each_conversation_gets_one_verdict() -> None:
    by_call: dict[str | None, list[CallbackFact]] = {}
    for cb in CALLBACKS:
        by_call.setdefault(cb.call_id, []).append(cb)
    got = {c.call_id: verdict(c, by_call.get(c.call_id, []), reception="accueil", now=NOW, promise=PROMISE)
           for c in conversations()}
    assert got == EXPECTED_VERDICTS


def test_figures_of_known_streams() -> None:
    figures = compute(conversations(), CALLBACKS, reception="accueil", now=NOW, promise=PROMISE)
    check_figures(figures.as_dict())
    assert sum(figures.verdicts.values()) == figures.calls


def test_a_pending_callback_becomes_unanswered_once_its_promise_has_passed() -> None:
    conv = Conversation("c", T0, "phone", (ev("callback", service="etat_civil"),))
    cb = CallbackFact("c", "etat_civil", T0, NOT_BEFORE, "pending", None)
    kw: dict[str, Any] = {"reception": "accueil", "promise": PROMISE}
    assert verdict(conv, [cb], now=NOT_BEFORE + PROMISE, **kw) is Verdict.HANDED_TO_SERVICE
    assert verdict(conv, [cb], now=NOT_BEFORE + PROMISE + timedelta(seconds=1), **kw) is Verdict.UNANSWERED


def test_no_calls_gives_no_rates() -> None:
    out = compute([], [], reception="accueil", now=NOW, promise=PROMISE).as_dict()
    assert out["calls"] == 0 and out["first_level_rate"] is None and out["wait_p90_s"] is None


@pytest.mark.parametrize(("values", "expected"), [
    ([], None), ([5.0], 5.0), ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9), ([10, 1, 3], 10), (list(range(1, 21)), 18),
])
def test_p90_is_nearest_rank(values: list[float], expected: float | None) -> None:
    assert p90(values) == expected


async def seed(url: str) -> None:
    """The same streams written through the repositories, plus a chat conversation and one outside the period."""
    await migrate(url)
    async with Database(url) as db:
        calls = CallRepository(db.sessions)
        for conv in conversations():
            await calls.create_call(call_id=conv.call_id, started_at=conv.started_at, channel_id="PJSIP/1")
            await calls.add_event(conv.call_id, at=conv.started_at, kind="started", data={})
            for e in conv.events:
                await calls.add_event(conv.call_id, at=conv.started_at, kind=e.kind, data=dict(e.data))
        await calls.create_call(call_id="chat1", started_at=T0, channel_id="chat:abc")
        await calls.add_event("chat1", at=T0, kind="answer", data={"intent": "cantine"})
        await calls.create_call(call_id="old", started_at=T0 - timedelta(days=40), channel_id="PJSIP/2")
        await calls.add_event("old", at=T0 - timedelta(days=40), kind="answer", data={"intent": "x"})
        async with db.sessions.begin() as s:
            for cb in CALLBACKS:
                s.add(CallbackRow(call_id=cb.call_id, number="+33600000000", service=cb.service, lang="fr",
                                  summary="", not_before=cb.not_before, status=cb.status, attempts=1,
                                  last_attempt_at=cb.finished_at, created_at=cb.created_at))


async def test_figures_from_the_store_per_channel(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"
    await seed(url)
    async with Database(url) as db:
        repo = FiguresRepository(db.sessions, reception="accueil", promise=PROMISE)
        start, end = T0 - timedelta(days=1), T0 + timedelta(days=1)
        phone = (await repo.figures(Period(start, end, "phone"), NOW)).as_dict()
        phone["callbacks_requested"] += 1  # the chat form's request is the chat's
        phone["callbacks_late"] += 1
        check_figures(phone)
        chat = (await repo.figures(Period(start, end, "chat"), NOW)).as_dict()
        assert (chat["calls"], chat["resolved_by_bot"], chat["callbacks_requested"], chat["callbacks_late"]) == (
            1, 1, 1, 1)
        both = await repo.figures(Period(start, end), NOW)
        assert both.calls == 11 and both.count(Verdict.RESOLVED_BY_BOT) == 2
        days = await repo.daily(Period(start, end), NOW, "Europe/Paris")
        assert [(d.day.isoformat(), d.figures.calls) for d in days] == [
            ("2026-03-01", 0), ("2026-03-02", 11), ("2026-03-03", 0)]


def test_stats_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IVR_STORE__URL", raising=False)
    asyncio.run(seed(f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"))
    home = ["--home", str(tmp_path)]
    assert main([*home, "stats", "--json", "--since", "2026-03-02", "--until", "2026-03-02", "--channel", "phone",
                 "--by-day"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["since"] == "2026-03-02T00:00:00+01:00" and out["until"] == "2026-03-03T00:00:00+01:00"
    # the CLI's "now" is today's: the reception callback still pending in March is long past its promise
    assert out["calls"] == 10 and out["resolved_first_level"] == 2 and out["unanswered"] == 4
    assert out["days"] == [{"day": "2026-03-02", "calls": 10, "resolved_first_level": 2, "handed_to_service": 2,
                            "unanswered": 4, "callbacks_requested": 4, "wait_avg_s": 80.0}]
    assert "+336" not in json.dumps(out)
    assert main([*home, "stats", "--since", "2026-01-01", "--until", "2026-03-31"]) == 0
    assert "conversations        12" in capsys.readouterr().out
    assert main([*home, "stats", "--since", "2026-03-05", "--until", "2026-03-01"]) == 2
