"""Store repositories on a real SQLite file and, when available, a real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from ivr.store import (
    CallNotFound,
    CallRepository,
    Database,
    StatsRepository,
    UserExists,
    UserRepository,
    migrate,
    purge_expired,
)
from ivr.store.db import alembic_config, current_revision, head_revision
from ivr.store.models import CallbackRow, SmsRow

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # 09:30 in Paris


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test taking ``db`` runs on SQLite and on PostgreSQL (the conftest's ``db``, indirectly)."""
    if "db" in metafunc.fixturenames:
        metafunc.parametrize("db", ["sqlite", "postgresql"], indirect=True)


async def _call(calls: CallRepository, at: datetime, outcome: str | None, service: str | None = None,
                turns: tuple[tuple[str, str, str | None, str | None], ...] = ()) -> str:
    cid = await calls.create_call(started_at=at, channel_id="chan-1", caller_number="+33612345678")
    for i, (speaker, words, intent, decision) in enumerate(turns):
        await calls.add_turn(cid, at=at + timedelta(seconds=5 * (i + 1)), speaker=speaker, text=words,
                             intent=intent, decision=decision, score=0.8 if intent else 0.2)
    if outcome:
        await calls.finish_call(cid, ended_at=at + timedelta(seconds=60), outcome=outcome, service=service)
    return cid


async def test_migrate_is_idempotent_and_at_head(db: Database) -> None:
    await migrate(db.url)
    head = head_revision()  # raises if two migrations branched off the same parent
    assert head is not None and await current_revision(db.url) == head
    versions = Path(__file__).parents[2] / "ivr" / "store" / "migrations" / "versions"
    chain = list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())
    assert len(chain) == len(list(versions.glob("[0-9]*.py")))  # every migration file is on the one chain


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'ivr.db'}"
    await migrate(url)
    async with Database(url) as database, database.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 10000


async def test_call_lifecycle_and_recent_list(db: Database) -> None:
    calls = CallRepository(db.sessions)
    old = await _call(calls, T0, "resolved", "etat_civil", (
        ("bot", "Bonjour, que puis-je pour vous ?", None, None),
        ("caller", "je voudrais un acte de naissance", "acte_naissance", "answer"),
        ("caller", "et les horaires", "horaires", "answer"),
    ))
    new = await _call(calls, T0 + timedelta(minutes=5), None)
    await calls.add_event(old, at=T0, kind="say", data={"key": "greeting", "lang": "fr"})

    recent = await calls.list_recent(10)
    assert [c.id for c in recent] == [new, old]
    assert recent[0].outcome is None and recent[0].ended_at is None
    first = recent[1]
    assert first.outcome == "resolved" and first.service == "etat_civil"
    assert first.intents == ("acte_naissance", "horaires")
    assert [(t.speaker, t.text) for t in first.transcript] == [
        ("bot", "Bonjour, que puis-je pour vous ?"),
        ("caller", "je voudrais un acte de naissance"),
        ("caller", "et les horaires"),
    ]
    assert first.started_at == T0 and first.started_at.tzinfo is not None
    assert first.duration_s == 60.0
    assert first.as_dict()["transcript"][1] == {"speaker": "caller", "text": "je voudrais un acte de naissance"}

    detail = await calls.get_call(old)
    assert detail.caller_number == "+33612345678"
    assert [t.seq for t in detail.turns] == [1, 2, 3]
    assert detail.events[0].kind == "say" and detail.events[0].data["key"] == "greeting"
    assert [c.id for c in await calls.live_calls()] == [new]
    assert [c.id for c in await calls.list_recent(10, outcome="resolved")] == [old]


async def test_unknown_call_and_bad_values_are_refused(db: Database) -> None:
    calls = CallRepository(db.sessions)
    with pytest.raises(CallNotFound):
        await calls.finish_call("nope", ended_at=T0, outcome="resolved")
    cid = await calls.create_call(started_at=T0)
    with pytest.raises(ValueError):
        await calls.finish_call(cid, ended_at=T0, outcome="exploded")
    with pytest.raises(ValueError):
        await calls.add_turn(cid, at=T0, speaker="robot", text="x")


async def test_concurrent_turns_and_calls(db: Database) -> None:
    calls = CallRepository(db.sessions)
    ids = await asyncio.gather(*(calls.create_call(started_at=T0 + timedelta(seconds=i)) for i in range(20)))
    await asyncio.gather(*(calls.add_event(cid, at=T0, kind="k", data={"i": i}) for i, cid in enumerate(ids)))
    assert len(await calls.list_recent(100)) == 20


async def test_dashboard_stats_today(db: Database) -> None:
    calls = CallRepository(db.sessions)
    await _call(calls, T0, "resolved", "etat_civil")
    await _call(calls, T0 + timedelta(minutes=10), "resolved", "etat_civil")
    await _call(calls, T0 + timedelta(hours=1), "transferred", "urbanisme")
    await _call(calls, T0 + timedelta(hours=1, minutes=3), None)
    await _call(calls, T0 - timedelta(days=1), "abandoned")  # yesterday: not counted
    async with db.sessions.begin() as s:
        s.add(CallbackRow(service="accueil", lang="fr", number="+33612345678", summary="x", not_before=T0,
                          status="pending", attempts=0, created_at=T0))
        s.add(SmsRow(number="+33612345678", text="t", status="sent", attempts=1, next_attempt_at=T0,
                     created_at=T0))
    stats = await StatsRepository(db.sessions).today(T0 + timedelta(hours=2), "Europe/Paris")
    assert stats.calls == 4 and stats.live == 1
    assert stats.by_outcome == {"resolved": 2, "transferred": 1}
    assert stats.by_service == {"etat_civil": 2, "urbanisme": 1}
    assert [(h.hour.hour, h.calls) for h in stats.by_hour] == [(9, 2), (10, 2)]
    assert stats.avg_duration_s == 60.0
    assert stats.resolved_rate == pytest.approx(2 / 3)
    assert stats.callbacks == {"pending": 1} and stats.callbacks_pending == 1
    assert stats.sms == {"sent": 1}


async def test_unanswered_questions_and_top_intents(db: Database) -> None:
    calls = CallRepository(db.sessions)
    await _call(calls, T0, "transferred", "accueil", (
        ("caller", "mon chat est coincé dans un arbre", None, "abstain"),
        ("caller", "les horaires", "horaires", "answer"),
    ))
    await _call(calls, T0 + timedelta(minutes=1), "resolved", None, (("caller", "horaires", "horaires", "answer"),))
    stats = StatsRepository(db.sessions)
    questions = await stats.unanswered_questions()
    assert [(q.text, q.lang) for q in questions] == [("mon chat est coincé dans un arbre", "fr")]
    assert await stats.top_intents() == [("horaires", 2)]


async def test_users(db: Database) -> None:
    users = UserRepository(db.sessions)
    assert await users.count() == 0
    admin = await users.create("alice", "admin", "$argon2id$fake", now=T0)
    assert admin.active and admin.role == "admin" and admin.created_at == T0
    with pytest.raises(UserExists):
        await users.create("alice", "agent", "h", now=T0)
    await users.create("bob", "agent", "h", now=T0)
    await users.set_active("bob", False)
    await users.set_role("bob", "supervisor")
    bob = await users.get("bob")
    assert bob is not None and not bob.active and bob.role == "supervisor"
    assert [u.name for u in await users.list()] == ["alice", "bob"]
    assert await users.get("carol") is None


async def test_retention_purge_keeps_anonymous_outcomes(db: Database) -> None:
    calls = CallRepository(db.sessions)
    now = T0 + timedelta(days=100)
    old = await _call(calls, T0, "resolved", "etat_civil", (("caller", "acte de naissance", "acte", "answer"),))
    await calls.add_event(old, at=T0, kind="transcript", data={"text": "acte de naissance"})
    await calls.update_call(old, summary="veut un acte")
    recent = await _call(calls, now - timedelta(days=1), "resolved", None, (("caller", "horaires", "h", "answer"),))
    async with db.sessions.begin() as s:
        s.add(SmsRow(call_id=old, number="+33612345678", text="lien", status="sent", attempts=1,
                     next_attempt_at=T0, created_at=T0))
        s.add(CallbackRow(call_id=old, service="accueil", lang="fr", number="+33612345678", summary="s",
                          not_before=T0, status="done", attempts=1, created_at=T0))

    report = await purge_expired(db.sessions, now, retention_days=90)
    assert (report.calls, report.turns, report.events, report.callbacks, report.sms) == (1, 1, 1, 1, 1)
    detail = await calls.get_call(old)
    assert detail.caller_number is None and detail.call.summary is None
    assert detail.turns[0].text is None and detail.turns[0].intent == "acte"
    assert dict(detail.events[0].data) == {}
    assert detail.call.outcome == "resolved" and detail.call.service == "etat_civil"
    kept = await calls.get_call(recent)
    assert kept.caller_number == "+33612345678" and kept.turns[0].text == "horaires"
    again = await purge_expired(db.sessions, now, retention_days=90)
    assert (again.calls, again.turns, again.events, again.callbacks, again.sms) == (0, 0, 0, 0, 0)


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        await CallRepository(db.sessions).create_call(started_at=datetime(2026, 1, 1))
