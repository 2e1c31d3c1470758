"""The voice cache, pre-rendering and ``ivr say``, around the real Pico engine."""

from __future__ import annotations

import argparse
import asyncio
import os
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.audio.frame import AudioFrame
from ivr.config import PathsSettings, Settings
from ivr.tts.base import FRAME_BYTES, TextToSpeech
from ivr.tts.build import BuildReport, build_voices
from ivr.tts.cache import CachedTts, cache_key, cache_root, write_atomic
from ivr.tts.commands import cmd_say
from ivr.tts.pico import PicoTts

TEXT = "La mairie est ouverte de 8 h 30 à 17 h."


class Counting:
    """Wraps a real engine and counts the synthesis it is asked for."""

    def __init__(self, engine: TextToSpeech) -> None:
        self.engine = engine
        self.calls = 0

    async def synthesize(self, text: str, lang: str) -> bytes:
        self.calls += 1
        return await self.engine.synthesize(text, lang)

    def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        self.calls += 1
        return self.engine.stream(text, lang)

    def voice_id(self, lang: str) -> str:
        return self.engine.voice_id(lang)


@pytest.fixture(scope="module")
def pico() -> PicoTts:
    return PicoTts()


@pytest.fixture
def counting(pico: PicoTts) -> Counting:
    return Counting(pico)


def test_layout(tmp_path: Path, counting: Counting) -> None:
    settings = Settings(paths=PathsSettings(voices_dir=tmp_path / "voices"))
    tts = CachedTts(counting, cache_root(settings))
    path = tts.path_for(TEXT, "fr")
    assert path.parent == tmp_path / "voices" / "cache" / "pico" / "fr-FR"
    assert path.name == cache_key(TEXT, "fr") + ".sln16" and len(path.stem) == 24
    # the key is the normalised text: written variants of the same words share one file
    assert tts.path_for("La mairie est ouverte de 8h30 à 17h.", "fr") == path
    assert tts.path_for(TEXT, "en").parent.name == "en-US"
    assert tts.sound_uri(TEXT, "fr") == f"sound:{path.with_suffix('')}"


async def test_second_call_is_a_hit(tmp_path: Path, counting: Counting) -> None:
    tts = CachedTts(counting, tmp_path)
    first = await tts.synthesize(TEXT, "fr")
    path = await tts.ensure(TEXT, "fr")
    second = await tts.synthesize(TEXT, "fr")
    assert counting.calls == 1
    assert first == second == path.read_bytes() and len(first) > 16_000
    # a new cache object over the same folder also hits (the file is the cache)
    again = Counting(counting.engine)
    assert await CachedTts(again, tmp_path).synthesize(TEXT, "fr") == first and again.calls == 0


async def test_concurrent_misses_synthesise_once(tmp_path: Path, counting: Counting) -> None:
    tts = CachedTts(counting, tmp_path)
    paths = await asyncio.gather(*(tts.ensure(TEXT, "fr") for _ in range(4)))
    assert len(set(paths)) == 1 and counting.calls == 1


async def test_stream_miss_stores_then_hit_streams_file(tmp_path: Path, counting: Counting) -> None:
    tts = CachedTts(counting, tmp_path)
    first = [f async for f in tts.stream(TEXT, "fr")]
    assert tts.is_cached(TEXT, "fr") and counting.calls == 1
    second = [f async for f in tts.stream(TEXT, "fr")]
    assert counting.calls == 1
    assert [f.pcm for f in second] == [f.pcm for f in first]
    assert all(len(f.pcm) == FRAME_BYTES for f in second)


async def test_stream_closed_early_stores_nothing(tmp_path: Path, counting: Counting) -> None:
    tts = CachedTts(counting, tmp_path)
    stream = tts.stream(TEXT, "fr")
    await anext(stream)
    await stream.aclose()
    assert not tts.is_cached(TEXT, "fr")


def test_atomic_write_leaves_old_file_or_new_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a" / "b.sln16"
    write_atomic(path, b"old!")
    assert path.read_bytes() == b"old!"

    def crash(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)  # the failure happens after part of the data is written
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, b"new data that never lands")
    assert path.read_bytes() == b"old!"
    assert sorted(p.name for p in path.parent.iterdir()) == ["b.sln16"]  # no temporary left behind
    monkeypatch.undo()
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"


async def test_build_voices_renders_missing_only(tmp_path: Path, counting: Counting) -> None:
    tts = CachedTts(counting, tmp_path)
    await tts.ensure("Bonjour.", "fr")
    counting.calls = 0
    texts = [("Bonjour.", "fr"), ("Au revoir.", "fr"), ("Goodbye.", "en"), ("Au revoir.", "fr"), ("  ", "fr")]
    report = await build_voices(tts, texts)
    assert isinstance(report, BuildReport)
    assert (report.rendered, report.cached) == (2, 1)
    assert counting.calls == 2
    again = await build_voices(tts, texts)
    assert (again.rendered, again.cached) == (0, 3) and counting.calls == 2


def test_say_writes_16k_wav(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    args = argparse.Namespace(text="Bonjour, ici la mairie.", lang="fr", output=out)
    assert cmd_say(Settings(), args) == 0
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16_000, 1, 2)
        assert 0.8 < w.getnframes() / 16_000 < 4.0
