"""Returning callers in the store: keyed hashes, pending callbacks, recent topics, retention, secrets."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from ivr.actions.callbacks import CallbackScheduler
from ivr.call.events import CallEvent, Started
from ivr.clock import VirtualClock
from ivr.config import load_settings
from ivr.store import CallRepository, Database, purge_expired
from ivr.store.callers import CallerKeys, CallerMemoryRepository
from ivr.store.models import CallbackRow, CallRow
from ivr.store.writer import StoreWriter

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
KEYS = CallerKeys("s3cret")


def test_the_key_is_keyed_and_ignores_the_number_format() -> None:
    assert KEYS.key("06 12 34 56 78") == KEYS.key("+33612345678") == KEYS.key("0033612345678")
    assert KEYS.key("0612345678") != KEYS.key("0612345679")
    assert KEYS.key("0612345678") != CallerKeys("other").key("0612345678")
    assert KEYS.key(None) is None and KEYS.key("anonymous") is None
    assert "612345678" not in (KEYS.key("0612345678") or "")


async def started(writer: StoreWriter, call_id: str, at: datetime, number: str | None) -> None:
    await writer(CallEvent(call_id, 1, at, Started(channel="c", number=number or "")))
    await writer.flush()


async def test_pending_callback_and_recent_topic_by_key(db: Database) -> None:
    calls = CallRepository(db.sessions)
    sink = StoreWriter(db.sessions, keys=KEYS)
    sink.start()
    await started(sink, "old", T0 - timedelta(hours=50), "0612345678")
    await calls.add_turn("old", at=T0 - timedelta(hours=50), speaker="caller", text="cantine", intent="canteen",
                         decision="answer")
    await started(sink, "recent", T0 - timedelta(hours=3), "+33 6 12 34 56 78")
    await calls.add_turn("recent", at=T0 - timedelta(hours=3), speaker="caller", text="passeport",
                         intent="passport", decision="answer")
    await calls.add_turn("recent", at=T0 - timedelta(hours=3), speaker="caller", text="euh", intent=None,
                         decision="abstain")
    await started(sink, "other", T0 - timedelta(hours=1), "0699999999")
    await started(sink, "now", T0, "0612345678")
    await sink.aclose()
    stored = await calls.get_call("now")
    assert stored.caller_number == "0612345678"
    memory = CallerMemoryRepository(db.sessions, retention_days=90)
    key = KEYS.key("0612345678")
    got = await memory.recall(key, T0, exclude_call="now")
    assert got.recent_calls == ("recent",) and got.recent_intent == "passport" and got.pending is None

    clock = VirtualClock(T0)
    scheduler = CallbackScheduler(db.sessions, clock, is_open=lambda s, w: True, agents_free=_never,
                                  dialer=None, keys=KEYS)  # type: ignore[arg-type]
    cb = await scheduler.schedule("recent", "06 12 34 56 78", "etat_civil", "fr", "passeport", T0 + timedelta(days=1))
    got = await memory.recall(key, T0, exclude_call="now")
    assert got.pending is not None and (got.pending.id, got.pending.service) == (cb.id, "etat_civil")
    await scheduler.cancel(cb.id)
    assert (await memory.recall(key, T0)).pending is None
    assert (await memory.recall(KEYS.key("0600000000"), T0)).empty
    assert (await memory.recall(None, T0)).empty

    # past the retention period the key goes with the number: the caller is not recognised any more
    await purge_expired(db.sessions, T0 + timedelta(days=1), retention_days=0)
    async with db.sessions() as s:
        assert set((await s.scalars(select(CallRow.caller_key))).all()) == {None}
        assert set((await s.scalars(select(CallbackRow.caller_key))).all()) == {None}


async def _never(service: str) -> bool:
    return False


def test_a_secret_added_by_an_upgrade_is_generated_and_the_old_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "secrets.toml").write_text('ari_password = "a"\nami_password = "b"\nagent_password = "c"\n'
                                           'web_secret = "d"\n')
    settings = load_settings({"paths": {"home": str(tmp_path)}}, environ={})
    assert settings.secrets.ari_password == "a" and settings.secrets.web_secret == "d"
    assert len(settings.secrets.caller_key) > 16
    with (tmp_path / "secrets.toml").open("rb") as fh:
        assert tomllib.load(fh)["caller_key"] == settings.secrets.caller_key
    assert load_settings({"paths": {"home": str(tmp_path)}}, environ={}).secrets.caller_key == (
        settings.secrets.caller_key)
