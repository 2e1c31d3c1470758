"""A knowledge-base publish on the web front reaches every media node, through a real PostgreSQL's LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from ivr.cluster.kbsync import KbSync, read_bundle, write_bundle
from ivr.config import PROJECT_ROOT
from ivr.nlu.holder import KnowledgeHolder
from ivr.store.db import Database

ON_POSTGRESQL = pytest.mark.parametrize("db", ["postgresql"], indirect=True)

NEW_INTENT = """\
id: beehives
service: accueil
kind: answer
reviewed: 2026-11-29
utterances:
  fr:
    - je voudrais déclarer mes ruches
    - où déclarer un rucher
    - déclaration de ruches en mairie
  en:
    - how do I declare my beehives
answer:
  fr:
    voice: "La déclaration des ruches se fait en ligne, chaque année entre septembre et décembre."
    chat: "La déclaration des ruches se fait en ligne, chaque année entre septembre et décembre."
  en:
    voice: "Beehives are declared online every year between September and December."
    chat: "Beehives are declared online every year between September and December."
"""


def _copy_kb(root: Path, name: str) -> Path:
    target = root / name
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    return target


class Node:
    """A media node's knowledge side: its own directory and holder, following the shared database."""

    def __init__(self, db: Database, directory: Path, name: str) -> None:
        self.holder = KnowledgeHolder(directory)
        self.sync = KbSync(db.sessions, db.url, name)
        self.applied = asyncio.Queue[str]()
        self.task = asyncio.ensure_future(self.sync.follow(self.holder, lambda: self.applied.put_nowait(
            self.holder.kb.version)))


@ON_POSTGRESQL
async def test_a_publish_reaches_every_node_and_a_broken_one_is_refused_everywhere(
    db: Database, tmp_path: Path
) -> None:
    nodes = [Node(db, _copy_kb(tmp_path, f"node{i}"), f"node-{i}") for i in range(2)]
    try:
        await asyncio.wait_for(asyncio.gather(*(n.sync.listening.wait() for n in nodes)), 30)
        front_dir = _copy_kb(tmp_path, "front")
        (front_dir / "intents" / "beehives.yaml").write_text(NEW_INTENT, encoding="utf-8")
        front = KbSync(db.sessions, db.url, "web-front")
        version = await front.publish(front_dir)
        applied = await asyncio.wait_for(asyncio.gather(*(n.applied.get() for n in nodes)), 30)
        assert applied == [version, version]
        for n in nodes:
            assert "beehives" in n.holder.kb.intents
            assert (n.holder.directory / "intents" / "beehives.yaml").read_text(encoding="utf-8") == NEW_INTENT

        # a broken publish (bad YAML) is stored but every node keeps serving the last valid version
        (front_dir / "intents" / "beehives.yaml").write_text("id: beehives\nkind: [\n", encoding="utf-8")
        for n in nodes:
            n.sync.considered.clear()
        broken = await front.publish(front_dir)
        await asyncio.wait_for(asyncio.gather(*(_considered(n, broken) for n in nodes)), 30)
        assert all(n.holder.kb.version == version and n.applied.empty() for n in nodes)
    finally:
        for n in nodes:
            n.task.cancel()
        await asyncio.gather(*(n.task for n in nodes), return_exceptions=True)


async def _considered(node: Node, version: str) -> None:
    while node.sync.seen != version:
        await node.sync.considered.wait()
        node.sync.considered.clear()


@ON_POSTGRESQL
async def test_a_node_that_was_down_catches_up_when_it_starts(db: Database, tmp_path: Path) -> None:
    front_dir = _copy_kb(tmp_path, "front")
    (front_dir / "intents" / "beehives.yaml").write_text(NEW_INTENT, encoding="utf-8")
    version = await KbSync(db.sessions, db.url, "web-front").publish(front_dir)
    late = Node(db, _copy_kb(tmp_path, "late"), "late")
    try:
        assert await asyncio.wait_for(late.applied.get(), 30) == version
    finally:
        late.task.cancel()
        await asyncio.gather(late.task, return_exceptions=True)


def test_bundles_round_trip_and_cannot_escape_the_directory(tmp_path: Path) -> None:
    src = _copy_kb(tmp_path, "src")
    dst = tmp_path / "dst"
    write_bundle(dst, read_bundle(src))
    (dst / "intents" / "extra.yaml").write_text("id: extra\n")
    write_bundle(dst, read_bundle(src))  # a removed intent disappears from the node too
    assert read_bundle(dst) == read_bundle(src)
    with pytest.raises(ValueError, match="escapes"):
        write_bundle(dst, {"../evil.yaml": "x"})
