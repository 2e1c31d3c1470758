"""SIPp (Debian ``sip-tester``) as a load generator that costs almost nothing.

baresip burned about a core per call (LAB-NOTES §7), so a capacity figure measured with it measured baresip.
SIPp sends a pre-encoded µ-law file as RTP from a small thread and runs many calls in one process: eight 23 s
calls cost it 0.8 CPU-seconds in all. It cannot record what it hears, so replies are judged from the bot's
own call events (``ivr.probe.outcomes``).

One SIPp process plays one audio file (``rtp_stream`` is resolved when the scenario loads), so a load with
several questions runs one process per question (``ivr.probe.load``). Each call takes its caller number from
an injection file, which is how a SIPp call is matched with the bot's call (the ``started`` event's number).
The scenario logs ``ANSWERED`` / ``REMOTE_BYE`` / ``LOCAL_BYE`` per number; a call that never logs an end
was lost on the SIP side.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import psutil

from ivr.audio.codecs import pcm16_to_ulaw
from ivr.audio.wav import read_wav
from ivr.errors import TelephonyError
from ivr.probe.ports import bindable, free_port

RATE = 8000
"""G.711 µ-law: 8 kHz, one byte per sample."""


class SippError(TelephonyError):
    """SIPp could not run (not installed, bad scenario, port taken)."""

    code = "sipp"
    retryable = False


MEDIA_PORTS_PER_CALL = 4
"""What one SIPp call may bind above ``-mp`` (RTP and RTCP, audio and video), counted generously."""

_claimed: set[int] = set()
"""UDP port numbers handed to the SIPp processes of this harness that are still running, whatever the address.

A port free now is not enough: SIPp binds its media ports one call at a time, consecutively above ``-mp``,
and a control port picked in the meantime for another SIPp can fall in that range. That SIPp then exits at
once with errno 98 and its calls are never placed: the soak's burst counted 10 such calls as dropped.
"""


def claim_udp_ports(host: str, span: int = 1, attempts: int = 200) -> int:
    """The first of ``span`` consecutive UDP ports, free on ``host`` and not claimed by another SIPp here.

    Released with :func:`release_udp_ports` once the process that uses them has ended.
    """
    for _ in range(attempts):
        first = free_port(host, socket.SOCK_DGRAM)
        ports = range(first, first + span)
        if ports.stop > 65536 or not _claimed.isdisjoint(ports):
            continue
        if all(bindable(host, p, socket.SOCK_DGRAM) for p in ports[1:]):
            _claimed.update(ports)
            return first
    raise SippError(f"no {span} free consecutive UDP ports on {host}")


def release_udp_ports(first: int, span: int = 1) -> None:
    """Give back ports claimed by :func:`claim_udp_ports`."""
    _claimed.difference_update(range(first, first + span))


def write_ulaw(wav: Path, out: Path, *, lead_s: float, total_s: float) -> float:
    """Raw 8 kHz µ-law for ``rtp_stream``: ``lead_s`` of silence, the wav, silence up to ``total_s``.

    The call's whole length is streamed (a caller's phone never stops sending packets: without them Asterisk
    gives the bot no frames and the end of speech is never seen). Returns the speech's length in seconds.
    """
    speech = np.frombuffer(read_wav(wav, rate=RATE), dtype="<i2")
    buf = np.zeros(max(int(total_s * RATE), int(lead_s * RATE) + len(speech)), dtype="<i2")
    start = int(lead_s * RATE)
    buf[start : start + len(speech)] = speech
    out.write_bytes(pcm16_to_ulaw(buf.tobytes()))
    return len(speech) / RATE


@dataclass(frozen=True, slots=True)
class Scenario:
    """A citizen's call: INVITE offering PCMU, stream the audio, wait for the bot's BYE or hang up."""

    audio: Path
    """Raw µ-law file streamed from the ACK on (``write_ulaw``)."""
    hangup_after_s: float
    """The caller hangs up this long after the answer unless the other side hangs up first."""

    def render(self) -> str:
        """The scenario XML."""
        stream = quoteattr(f"{self.audio},1,0")
        wait_ms = int(self.hangup_after_s * 1000)
        return _SCENARIO.replace("@STREAM@", stream).replace("@WAIT_MS@", str(wait_ms))


_SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivr citizen">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]ivr[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- [call_number] 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [rtpstream_audio_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=ptime:20
      a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [last_From:]
      [last_To:]
      [routes]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <nop>
    <action>
      <exec rtp_stream=@STREAM@/>
      <log message="ANSWERED [field0]"/>
    </action>
  </nop>
  <recv request="BYE" timeout="@WAIT_MS@" ontimeout="hangup"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Content-Length: 0
    ]]>
  </send>
  <nop next="done">
    <action><log message="REMOTE_BYE [field0]"/></action>
  </nop>
  <label id="hangup"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [last_From:]
      [last_To:]
      [routes]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
  <nop>
    <action><log message="LOCAL_BYE [field0]"/></action>
  </nop>
  <label id="done"/>
</scenario>
"""


@dataclass(frozen=True, slots=True)
class SippStats:
    """SIPp's cumulative counters at the end of a run (its ``-trace_stat`` file)."""

    created: int = 0
    successful: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    """Non-zero ``Failed*`` counters by reason (``MaxUDPRetrans``, ``UnexpectedMessage``...)."""


def parse_stats(text: str) -> SippStats:
    """The last row of a ``-trace_stat`` CSV (``;``-separated, one header line)."""
    rows = [r for r in csv.reader(text.splitlines(), delimiter=";") if r]
    if len(rows) < 2:
        return SippStats()
    row = dict(zip(rows[0], rows[-1], strict=False))

    def count(name: str) -> int:
        try:
            return int(row.get(name, "0") or 0)
        except ValueError:
            return 0

    failures = {k[len("Failed"):-len("(C)")]: count(k) for k in row
                if k.startswith("Failed") and k.endswith("(C)") and k != "FailedCall(C)" and count(k)}
    return SippStats(count("TotalCallCreated"), count("SuccessfulCall(C)"), count("FailedCall(C)"), failures)


def parse_log(text: str) -> dict[str, list[str]]:
    """Per caller number, the scenario's ``log`` marks in order (``ANSWERED``, ``REMOTE_BYE``, ``LOCAL_BYE``)."""
    marks: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[-2] in ("ANSWERED", "REMOTE_BYE", "LOCAL_BYE"):
            marks.setdefault(parts[-1], []).append(parts[-2])
    return marks


@dataclass(frozen=True, slots=True)
class SippResult:
    """One SIPp process's run."""

    numbers: tuple[str, ...]
    stats: SippStats
    marks: dict[str, list[str]]
    cpu_s: float
    """User + system CPU seconds of the SIPp process (sampled while it ran)."""
    wall_s: float
    returncode: int | None
    errors: str = ""
    """The tail of SIPp's error file (unexpected messages, retransmission timeouts)."""


@dataclass(frozen=True, slots=True)
class SippCallers:
    """``len(numbers)`` calls from one SIPp process, ``concurrent`` at a time, ``rate`` new calls per second."""

    target: str
    """``host:port`` of Asterisk's SIP transport."""
    did: str
    scenario: Scenario
    numbers: tuple[str, ...]
    concurrent: int
    rate: float
    workdir: Path
    host: str = "127.0.0.2"
    """The carrier's address: Asterisk recognises the trunk by it."""
    media_port: int = 0
    """First local RTP port (SIPp takes two per call from there); 0: a free one."""
    sleep_s: float = 0.0
    """Wait this long before the first call (staggers several processes into one arrival stream)."""


class SippProcess:
    """A running SIPp; ``wait()`` returns its :class:`SippResult`."""

    def __init__(self, callers: SippCallers) -> None:
        self.callers = callers
        self._proc: asyncio.subprocess.Process | None = None
        self._cpu_s = 0.0
        self._t0 = 0.0
        self._ports: list[tuple[int, int]] = []
        """(first, span) of the UDP ports claimed for this process, released when it has ended."""

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return None if self._proc is None else self._proc.pid

    async def start(self) -> None:
        """Write the scenario and injection files, then spawn SIPp."""
        if shutil.which("sipp") is None:
            raise SippError("sipp is not installed: run `make setup` (Debian package sip-tester)")
        c = self.callers
        await asyncio.to_thread(self._write_files)
        media_span = MEDIA_PORTS_PER_CALL * max(1, c.concurrent)
        self._ports = [(claim_udp_ports(c.host), 1), (claim_udp_ports("127.0.0.1"), 1)]
        if not c.media_port:
            self._ports.append((claim_udp_ports(c.host, media_span), media_span))
        sip_port, control_port = self._ports[0][0], self._ports[1][0]
        media_port = c.media_port or self._ports[2][0]
        argv = [
            "sipp", c.target, "-s", c.did, "-sf", str(c.workdir / "scenario.xml"),
            "-inf", str(c.workdir / "numbers.csv"),
            "-i", c.host, "-p", str(sip_port), "-cp", str(control_port),
            "-mi", c.host, "-mp", str(media_port),
            "-m", str(len(c.numbers)), "-l", str(c.concurrent),
            "-r", "1", "-rp", f"{max(1, round(1000 / c.rate))}ms",
            "-trace_stat", "-stf", str(c.workdir / "stats.csv"), "-fd", "1",
            "-trace_logs", "-log_file", str(c.workdir / "calls.log"),
            "-trace_err", "-error_file", str(c.workdir / "errors.log"),
            "-nostdin", "-max_recv_loops", "100",
        ]
        if c.sleep_s > 0:
            argv += ["-sleep", f"{round(c.sleep_s * 1000)}ms"]
        (c.workdir / "argv.txt").write_text(" ".join(argv) + "\n")
        self._t0 = time.monotonic()
        with (c.workdir / "stderr.log").open("wb") as stderr:  # the child keeps its own copy
            self._proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
                cwd=str(c.workdir),
            )

    def _write_files(self) -> None:
        c = self.callers
        c.workdir.mkdir(parents=True, exist_ok=True)
        (c.workdir / "scenario.xml").write_text(c.scenario.render())
        (c.workdir / "numbers.csv").write_text("SEQUENTIAL\n" + "".join(f"{n};\n" for n in c.numbers))

    def sample_cpu(self) -> float:
        """CPU seconds used so far (kept after the process exits: call it while it runs)."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(psutil.Error):
                t = psutil.Process(self._proc.pid).cpu_times()
                self._cpu_s = t.user + t.system
        return self._cpu_s

    async def wait(self, timeout: float, sample_every: float = 0.25) -> SippResult:
        """Wait for the run to end (killed past ``timeout``), sampling its CPU on the way."""
        proc = self._proc
        if proc is None:
            raise SippError("sipp was not started")
        deadline = time.monotonic() + timeout
        while proc.returncode is None and time.monotonic() < deadline:
            self.sample_cpu()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), sample_every)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        self._release()
        return await asyncio.to_thread(self._result, time.monotonic() - self._t0, proc.returncode)

    def _release(self) -> None:
        for first, span in self._ports:
            release_udp_ports(first, span)
        self._ports = []

    def _result(self, wall_s: float, returncode: int | None) -> SippResult:
        d = self.callers.workdir

        def read(name: str) -> str:
            p = d / name
            return p.read_text(errors="replace") if p.exists() else ""

        return SippResult(
            numbers=self.callers.numbers, stats=parse_stats(read("stats.csv")), marks=parse_log(read("calls.log")),
            cpu_s=round(self._cpu_s, 3), wall_s=round(wall_s, 2), returncode=returncode,
            errors=_real_errors(read("errors.log") + read("stderr.log")),
        )

    async def kill(self) -> None:
        """Stop SIPp now (its calls are left for Asterisk to time out)."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            await self._proc.wait()
        self._release()


_EXPECTED_NOISE = ("receive timeout on message", "Resolving remote host", "There were more errors",
                   "The following events occurred")
"""SIPp reports the caller's own hang-up (the BYE wait timing out) as an error event: not an error here."""


def _real_errors(text: str) -> str:
    """SIPp's error output without the expected hang-up timeouts (last 2000 characters)."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not any(m in ln for m in _EXPECTED_NOISE)]
    return "\n".join(lines)[-2000:]
