"""``ivr calls list`` and ``ivr db ...`` on a real SQLite file; migrations match the models."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from ivr.cli import main
from ivr.store import CallRepository, Database, migrate
from ivr.store.db import head_revision
from ivr.store.models import Base

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _diff(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata))


async def test_migrations_match_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"
    await migrate(url)
    async with Database(url) as db, db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def _seed(url: str) -> tuple[str, str]:
    await migrate(url)
    async with Database(url) as db:
        calls = CallRepository(db.sessions)
        first = await calls.create_call(started_at=T0, caller_number="+33612345678")
        await calls.add_turn(first, at=T0, speaker="bot", text="Bonjour")
        await calls.add_turn(first, at=T0, speaker="caller", text="carte d'identité", intent="cni",
                             decision="answer", score=0.9)
        await calls.add_turn(first, at=T0, speaker="caller", text="et le prix", intent="cni_prix",
                             decision="answer", score=0.7)
        await calls.finish_call(first, ended_at=T0 + timedelta(seconds=42), outcome="resolved")
        second = await calls.create_call(started_at=T0 + timedelta(minutes=1))
        return first, second


def test_calls_list_json_newest_first(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IVR_STORE__URL", raising=False)
    first, second = asyncio.run(_seed(f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"))
    assert main(["--home", str(tmp_path), "calls", "list", "--json", "--limit", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in out] == [second, first]
    assert out[1]["outcome"] == "resolved" and out[0]["outcome"] is None
    assert out[1]["intents"] == ["cni", "cni_prix"]
    assert out[1]["transcript"][1] == {"speaker": "caller", "text": "carte d'identité"}
    assert out[1]["started_at"].startswith("2026-03-02T08:30:00")
    assert "+33612345678" not in json.dumps(out)  # no caller number in listings

    assert main(["--home", str(tmp_path), "calls", "list", "--limit", "1"]) == 0
    text_out = capsys.readouterr().out
    assert second in text_out and first not in text_out


def test_db_upgrade_and_current(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IVR_STORE__URL", raising=False)
    assert main(["--home", str(tmp_path), "db", "current"]) == 1
    assert main(["--home", str(tmp_path), "db", "upgrade"]) == 0
    assert (tmp_path / "ivr.db").exists()
    assert main(["--home", str(tmp_path), "db", "current"]) == 0
    assert f"current: {head_revision()}  head: {head_revision()}" in capsys.readouterr().out
    assert main(["--home", str(tmp_path), "db", "purge"]) == 0
