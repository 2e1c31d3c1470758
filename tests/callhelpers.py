"""Helpers for tests that place real calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ivr.audio.wav import write_wav
from ivr.call.events import CallEvent
from ivr.config import Settings
from ivr.probe.call import CallResult, ProbeCall


async def synth_wav(engines: Any, text: str, lang: str, path: Path) -> Path:
    """The caller's voice: real speech synthesised offline (16 kHz wav)."""
    pcm = await engines.tts.synthesize(text, lang)
    write_wav(path, pcm)
    return path


async def place_call(
    settings: Settings,
    workdir: Path,
    *,
    segments: list[tuple[float, Path | bytes]] | None = None,
    seconds: float = 12.0,
    dtmf: list[tuple[float, str]] | None = None,
    hangup_at: float | None = None,
    hangup_on: asyncio.Event | None = None,
    number: str | None = None,
) -> CallResult:
    """One call from the trunk side (127.0.0.2)."""
    call = ProbeCall(settings, workdir, segments=segments, seconds=seconds, dtmf=dtmf, hangup_at=hangup_at,
                     hangup_on=hangup_on)
    return await call.run(number or settings.asterisk.did)


async def until(predicate: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    """Wait until ``predicate()`` holds (a condition, never a fixed sleep), failing after ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(step)


def kinds(events: list[CallEvent]) -> list[str]:
    """Event kinds in order."""
    return [e.kind for e in events]


async def wait_for_event(
    hub: Any, kind: str, timeout: float = 10.0, has: tuple[str, ...] = (), **match: Any
) -> CallEvent:
    """Poll the hub's history for an event of ``kind`` with the ``match`` values and the ``has`` keys."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for e in hub.history:
            if (e.kind == kind and all(e.data.get(k) == v for k, v in match.items())
                    and all(k in e.data for k in has)):
                return e
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} event {match} within {timeout} s; got {[e.kind for e in hub.history]}")
