"""A real SIP user agent (Debian's baresip) driven over its ``ctrl_tcp`` netstring interface.

Used by ``ivr call`` (a city admin testing the line), by the test-suite as the citizen's phone and as
auto-answering agent softphones, and by the benchmarks. Keypad digits go through baresip's ``cons``
module (keystrokes during a call are sent as DTMF).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivr.errors import TelephonyError
from ivr.probe.ports import free_port

log = logging.getLogger(__name__)


KEY_RELEASE = b"\x04"
"""baresip's key-release code: ends the RFC 4733 event (Asterisk reports a digit at its end)."""


class SipUaError(TelephonyError):
    """The SIP user agent failed."""

    code = "sipua"
    retryable = False


@dataclass(frozen=True, slots=True)
class UaEvent:
    """One baresip event (``CALL_ESTABLISHED``, ``CALL_CLOSED``, ``REGISTER_OK``...)."""

    type: str
    at: float
    param: str = ""
    peer: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UaConfig:
    """How to run one baresip."""

    workdir: Path
    sip_host: str = "127.0.0.2"
    sip_port: int = 0
    source_wav: Path | None = None
    """Microphone: a wav file (baresip hangs up when it ends: pad it)."""
    account: str = ""
    """Registration line for an agent phone; empty for a trunk caller."""
    auto_answer: bool = False
    user: str = "0612345678"
    """Caller-id user of a trunk caller (a French mobile, so SMS and callbacks can target it)."""
    record: bool = True


class BaresipUA:
    """One running baresip."""

    def __init__(self, config: UaConfig) -> None:
        self.config = config
        self.workdir = config.workdir
        self.sip_port = config.sip_port or free_port(config.sip_host, socket.SOCK_DGRAM)
        self.ctrl_port = free_port()
        self.cons_port = free_port()
        self.events: list[UaEvent] = []
        self._queue: asyncio.Queue[UaEvent] = asyncio.Queue()
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pump: asyncio.Task[None] | None = None
        self._t0 = time.monotonic()

    def _write_config(self) -> None:
        c = self.config
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "rec").mkdir(exist_ok=True)
        source = f"aufile,{c.source_wav}" if c.source_wav else "ausine,440"
        lines = [
            "module_path /usr/lib/baresip/modules",
            f"sip_listen {c.sip_host}:{self.sip_port}",
            f"audio_source {source}",
            "audio_player alsa,null",
            "audio_alert alsa,null",
            "ausrc_srate 8000",
            "auplay_srate 8000",
            "ausrc_channels 1",
            "auplay_channels 1",
            f"snd_path {self.workdir / 'rec'}",
            "module g711.so",
            "module aufile.so",
            "module ausine.so",
            "module alsa.so",
            "module cons.so",
            f"cons_listen 127.0.0.1:{self.cons_port}",
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
            "sip_trans_def udp",
            "call_max_calls 4",
            # no jitter buffer: Asterisk's native RTP bridge hands the caller the agent's packets with the
            # agent's sequence numbers; when they restart lower, baresip 1.0's buffer drops every one as
            # "too late" (ETIMEDOUT) and the phone hears nothing. Loopback has no jitter to absorb.
            "jitter_buffer_delay 0-0",
        ]
        if c.record:
            lines.append("module sndfile.so")
        (self.workdir / "config").write_text("\n".join(lines) + "\n")
        account = c.account or f"<sip:{c.user}@{c.sip_host}:{self.sip_port}>;regint=0"
        if account and c.auto_answer and "answermode" not in account:
            account += ";answermode=auto"
        (self.workdir / "accounts").write_text((account + "\n") if account else "")
        (self.workdir / "contacts").write_text("")

    async def start(self, timeout: float = 30.0) -> None:
        """Start baresip and connect to its control socket.

        Returns as soon as the socket opens; the generous deadline is for a loaded machine starting several
        phones at once (the overload test starts three together).
        """
        if shutil.which("baresip") is None:
            raise SipUaError("baresip is not installed: run `make setup` (Debian package baresip-core)")
        self._write_config()
        with (self.workdir / "baresip.log").open("wb") as log_file:  # the child keeps its own copy
            self._proc = await asyncio.create_subprocess_exec(
                "baresip", "-f", str(self.workdir),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                cwd=str(self.workdir),
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
                break
            except OSError:
                if time.monotonic() > deadline or self._proc.returncode is not None:
                    raise SipUaError(f"baresip did not start; see {self.workdir / 'baresip.log'}") from None
                await asyncio.sleep(0.05)
        self._t0 = time.monotonic()
        self._pump = asyncio.create_task(self._read_events())

    async def _read_events(self) -> None:
        assert self._reader is not None
        while True:
            try:
                size = await self._reader.readuntil(b":")
                data = await self._reader.readexactly(int(size[:-1]) + 1)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
                return
            try:
                msg = json.loads(data[:-1])
            except ValueError:
                continue
            if not msg.get("event"):
                continue
            ev = UaEvent(
                type=str(msg.get("type", "")), at=time.monotonic() - self._t0,
                param=str(msg.get("param", "")), peer=str(msg.get("peeruri", "")), raw=msg,
            )
            self.events.append(ev)
            self._queue.put_nowait(ev)

    async def command(self, command: str, params: str = "") -> None:
        """Send one long command (``dial``, ``hangup``, ``accept``, ``ausrc``...)."""
        if self._writer is None:
            raise SipUaError("baresip is not running")
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        await self._writer.drain()

    async def dial(self, uri: str) -> None:
        """Place a call."""
        await self.command("dial", uri)

    async def hangup(self) -> None:
        """Hang up the current call."""
        await self.command("hangup")

    async def send_dtmf(self, digits: str, gap: float = 0.25) -> None:
        """Press keys during the call (sent as RFC 4733 DTMF)."""
        for d in digits:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(d.encode(), ("127.0.0.1", self.cons_port))
                await asyncio.sleep(0.12)  # key held ~120 ms
                s.sendto(KEY_RELEASE, ("127.0.0.1", self.cons_port))
            await asyncio.sleep(gap)

    async def set_source(self, wav: Path) -> None:
        """Switch the microphone to another wav file mid-call."""
        await self.command("ausrc", f"aufile,{wav}")

    async def wait_event(self, *types: str, timeout: float = 10.0) -> UaEvent:
        """The next event of one of ``types``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SipUaError(f"no {'/'.join(types)} within {timeout:.0f} s (got {[e.type for e in self.events]})")
            try:
                ev = await asyncio.wait_for(self._queue.get(), left)
            except TimeoutError:
                continue
            if ev.type in types:
                return ev

    def recordings(self) -> tuple[Path | None, Path | None]:
        """(what the phone heard, what it sent) as written by the sndfile module."""
        rec = self.workdir / "rec"
        heard = sorted(rec.glob("*-dec.wav"), key=lambda p: p.stat().st_mtime)
        sent = sorted(rec.glob("*-enc.wav"), key=lambda p: p.stat().st_mtime)
        return (heard[-1] if heard else None, sent[-1] if sent else None)

    async def stop(self) -> None:
        """Quit baresip."""
        with contextlib.suppress(Exception):
            await self.command("quit")
        if self._proc is not None:
            try:
                await asyncio.wait_for(self._proc.wait(), 6)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._writer is not None:
            self._writer.close()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
