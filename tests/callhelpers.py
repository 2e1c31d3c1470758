"""Helpers for tests that place real calls."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.audio.wav import write_wav
from ivr.call.events import CallEvent
from ivr.config import Settings
from ivr.probe.call import CallResult, ProbeCall
from ivr.probe.ports import free_port

CARRIER = "127.0.0.2"
"""The test carrier's address (the trunk)."""
VIA_PROXY = Path(__file__).parent / "data" / "sipp" / "uac_via_proxy.xml"


def sipp_via_proxy(
    host: str, port: int, calls: int, workdir: Path, hold_ms: int = 2000, caller: str = "0600000000"
) -> subprocess.CompletedProcess[str]:
    """``calls`` silent calls from the carrier to a SIP proxy (SIPp: INVITE, ACK, hold, BYE along the routes).

    Blocking: run it in a thread. Per-call statistics land in ``workdir/stat.csv``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    local = free_port(CARRIER, socket.SOCK_DGRAM)
    return subprocess.run(
        ["sipp", "-sf", str(VIA_PROXY), f"{host}:{port}", "-s", "3939", "-key", "caller", caller,
         "-i", CARRIER, "-p", str(local), "-m", str(calls), "-l", str(calls), "-r", "10", "-d", str(hold_ms),
         "-recv_timeout", "20000", "-timeout", "120", "-timeout_error", "-trace_stat",
         "-stf", str(workdir / "stat.csv"), "-nostdin"],
        capture_output=True, text=True, cwd=workdir, timeout=150, check=False,
    )


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
    caller: str = "0612345678",
) -> CallResult:
    """One call from the trunk side (127.0.0.2), caller ID ``caller``."""
    call = ProbeCall(settings, workdir, segments=segments, seconds=seconds, dtmf=dtmf, hangup_at=hangup_at,
                     hangup_on=hangup_on, caller=caller)
    return await call.run(number or settings.asterisk.did)


@dataclass
class LiveCall:
    """A call in progress: the test presses keys on what it saw (``probe.press``), then ends it."""

    probe: ProbeCall
    task: asyncio.Task[CallResult]
    hangup: asyncio.Event

    async def press(self, digits: str) -> None:
        """Press keys now (after waiting for the prompt or event they answer)."""
        await self.probe.press(digits)

    async def end(self) -> CallResult:
        """Hang up (if the bot has not) and return what the phone got."""
        self.hangup.set()
        return await self.task


@contextlib.asynccontextmanager
async def live_call(
    settings: Settings, workdir: Path, *, seconds: float = 60.0, caller: str = "0612345678",
    segments: list[tuple[float, Path | bytes]] | None = None,
) -> AsyncIterator[LiveCall]:
    """A call from the trunk side driven by the test: keys pressed on events, never at fixed seconds.

    ``seconds`` is only the ceiling; the call ends when the bot hangs up or the test calls ``end()``.
    """
    hangup = asyncio.Event()
    probe = ProbeCall(settings, workdir, segments=segments, seconds=seconds, hangup_on=hangup, caller=caller)
    call = LiveCall(probe, asyncio.create_task(probe.run(settings.asterisk.did)), hangup)
    try:
        yield call
    finally:
        hangup.set()
        with contextlib.suppress(Exception):
            await call.task


async def channels_at(
    ari: Any, *, app: str | None = None, context: str | None = None, want: int = 1, timeout: float = 40.0,
    ignore: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Channels running dialplan application ``app`` (``Queue``) and/or in ``context``, polled until ``want`` are.

    A key press means something only where the call is (in a queue, at a menu): tests press once the call is
    there, never at a fixed second that a loaded machine reaches before or after. ``ignore``: ids of channels
    that were there before (an earlier call still leaving).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = []
        for c in await ari.list_channels():
            where = c.get("dialplan") or {}
            if c.get("id") in ignore:
                continue
            if (app is None or where.get("app_name") == app) and (context is None or where.get("context") == context):
                found.append(c)
        if len(found) >= want:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"{len(found)} channel(s) in {app or context}, expected {want} within {timeout} s")
        await asyncio.sleep(0.2)


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


def _matches(e: CallEvent, kind: type | str, has: tuple[str, ...], match: dict[str, Any]) -> bool:
    if isinstance(kind, str):  # by stored kind name, on the JSON form
        data = e.data
        return e.kind == kind and all(data.get(k) == v for k, v in match.items()) and all(data.get(k) for k in has)
    return (isinstance(e.body, kind) and all(getattr(e.body, k) == v for k, v in match.items())
            and all(getattr(e.body, k) for k in has))


async def wait_for_event(
    hub: Any, kind: type | str, timeout: float = 10.0, has: tuple[str, ...] = (), **match: Any
) -> CallEvent:
    """The first event of ``kind`` (a type, or a stored kind name) with the ``match`` values and ``has`` fields.

    Polls the hub's history until ``timeout``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for e in hub.history:
            if _matches(e, kind, has, match):
                return e
        await asyncio.sleep(0.05)
    name = kind if isinstance(kind, str) else kind.__name__
    raise AssertionError(f"no {name} {match} within {timeout} s; got {[e.kind for e in hub.history]}")
