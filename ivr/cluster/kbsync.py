"""A knowledge-base publish reaches every node: versions in the shared database, ``LISTEN/NOTIFY`` to wake nodes.

The web front publishes by storing the whole knowledge directory (services, facts, intents, calibration: a
few hundred KB) as one row of ``kb_versions`` and notifying channel ``ivr_kb``. Each node listens on its own
connection; on a notification, and once at start (to catch up on what it missed while down), it writes the
newest version into its local knowledge directory and reloads it through its
:class:`~ivr.nlu.holder.KnowledgeHolder`, which still refuses a broken one. Only PostgreSQL has
``LISTEN``; a single box on SQLite needs none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.kb import knowledge_version
from ivr.store.db import SessionFactory
from ivr.store.models import KbVersionRow

log = logging.getLogger(__name__)

CHANNEL = "ivr_kb"
KNOWLEDGE_SUFFIXES = (".yaml", ".yml", ".toml")
RECONNECT_S = 2.0


def read_bundle(directory: Path) -> dict[str, str]:
    """Every knowledge file under ``directory``, by path relative to it."""
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8")
            for p in sorted(directory.rglob("*")) if p.is_file() and p.suffix in KNOWLEDGE_SUFFIXES}


def write_bundle(directory: Path, files: dict[str, str]) -> None:
    """Make ``directory`` hold exactly ``files`` (atomic per file; knowledge files not in it are removed)."""
    root = directory.resolve()
    for rel, text in files.items():
        path = (root / rel).resolve()
        if root not in path.parents:
            raise ValueError(f"knowledge bundle path escapes the directory: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    for stale in set(read_bundle(root)) - set(files):
        (root / stale).unlink()


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` form of a SQLAlchemy URL, for asyncpg's own connection."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class KbSync:
    """Publish (web front) and follow (nodes) knowledge-base versions through the shared database."""

    def __init__(self, sessions: SessionFactory, database_url: str, node: str) -> None:
        self._sessions = sessions
        self._url = database_url
        self.node = node
        self.seen: str | None = None
        """The newest published version this node has considered (applied, or refused as broken)."""
        self.considered = asyncio.Event()
        """Set each time the node has looked at the newest version (a waiter clears it first)."""
        self.listening = asyncio.Event()
        """Set once this node's ``LISTEN`` is in place (tests and ``ivr status`` wait on it)."""

    @property
    def notifies(self) -> bool:
        """Whether the database can wake the other nodes (PostgreSQL)."""
        return make_url(self._url).get_backend_name() == "postgresql"

    async def publish(self, directory: Path) -> str:
        """Store the directory as the newest version and wake every node; returns the version."""
        files = await asyncio.to_thread(read_bundle, directory)
        version = await asyncio.to_thread(knowledge_version, directory)
        async with self._sessions.begin() as s:
            row = KbVersionRow(version=version, files=files, published_at=datetime.now(UTC), published_by=self.node)
            s.add(row)
            await s.flush()
            if self.notifies:
                from sqlalchemy import text

                await s.execute(text("SELECT pg_notify(:channel, :payload)"),
                                {"channel": CHANNEL, "payload": str(row.id)})
        log.info("knowledge version %s published to every node", version)
        return version

    async def latest(self) -> KbVersionRow | None:
        """The newest published version."""
        async with self._sessions() as s:
            row: KbVersionRow | None = await s.scalar(select(KbVersionRow).order_by(KbVersionRow.id.desc()).limit(1))
            return row

    async def apply_latest(self, holder: KnowledgeHolder) -> bool:
        """Bring the local knowledge up to the newest published version; True if it changed."""
        row = await self.latest()
        if row is None or row.version == holder.kb.version:
            self.seen = None if row is None else row.version
            self.considered.set()
            return False
        await asyncio.to_thread(write_bundle, holder.directory, dict(row.files))
        issues = await asyncio.to_thread(holder.reload)
        self.seen = row.version
        self.considered.set()
        if any(i.severity == "error" for i in issues):
            log.error("published knowledge version %s refused here: still serving %s", row.version, holder.kb.version)
            return False
        log.info("knowledge version %s from %s applied", row.version, row.published_by)
        return True

    async def follow(self, holder: KnowledgeHolder, on_applied: Callable[[], Any] | None = None) -> None:
        """Run forever: catch up, then apply each notified version (reconnecting after a lost connection)."""
        import asyncpg  # type: ignore[import-untyped]

        wake = asyncio.Event()
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(asyncpg_dsn(self._url))
                await conn.add_listener(CHANNEL, lambda *_args: wake.set())
                self.listening.set()
                wake.set()  # catch up on anything published while this node was not listening
                while True:
                    await wake.wait()
                    wake.clear()
                    if await self.apply_latest(holder) and on_applied is not None:
                        result = on_applied()
                        if asyncio.iscoroutine(result):
                            await result
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("knowledge follow: database connection lost (%s); retrying", type(exc).__name__)
            finally:
                self.listening.clear()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
            await asyncio.sleep(RECONNECT_S)
