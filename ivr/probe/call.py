"""One scripted call from the trunk side: what ``ivr call``, the tests and the benchmarks use."""

from __future__ import annotations

import asyncio
import contextlib
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ivr.audio.wav import read_wav, write_wav
from ivr.config import Settings
from ivr.errors import TelephonyError
from ivr.probe.sipua import BaresipUA, UaConfig, UaEvent

UA_RATE = 8000


def parse_dtmf_plan(spec: str) -> list[tuple[float, str]]:
    """``"0@6,1@12"`` -> [(6.0, "0"), (12.0, "1")]."""
    plan: list[tuple[float, str]] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        digits, _, at = part.partition("@")
        if not digits or not at:
            raise TelephonyError(f"bad --dtmf item {part!r}: expected DIGITS@SECONDS", retryable=False)
        plan.append((float(at), digits))
    return sorted(plan)


def build_timeline(segments: list[tuple[float, Path | bytes]], total_s: float, path: Path) -> None:
    """Write an 8 kHz wav: silence, with each (start time, wav file or 8 kHz PCM) placed at its start."""
    buf = np.zeros(int(total_s * UA_RATE), dtype=np.int16)
    for start, src in segments:
        pcm = read_wav(src, rate=UA_RATE) if isinstance(src, Path) else src
        a = np.frombuffer(pcm, dtype="<i2")
        i = int(start * UA_RATE)
        a = a[: max(0, len(buf) - i)]
        buf[i : i + len(a)] = a
    write_wav(path, buf.tobytes(), rate=UA_RATE)


def _frames(path: Path) -> tuple[int, np.ndarray]:
    """(rate, 20 ms frames as rows of float samples) of a wav, even one still being written."""
    try:
        with wave.open(str(path)) as w:
            rate = w.getframerate()
            channels = w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError):  # still being written: the header is not complete yet
        rate, channels, raw = UA_RATE, 1, b""
    if not raw:
        # a phone killed before closing its recording leaves a header that says "0 frames": read what is there
        raw = path.read_bytes()[44:]
    a = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.float64)
    if channels > 1:
        a = a[::channels]
    n = rate // 50
    return rate, (a[: len(a) // n * n].reshape(-1, n) if len(a) >= n else np.zeros((0, n)))


def voiced_seconds(path: Path, threshold: float = 300.0) -> tuple[float, float]:
    """(duration, seconds of 20 ms frames whose RMS exceeds ``threshold``) of a wav."""
    _rate, frames = _frames(path)
    rms = np.sqrt((frames**2).mean(axis=1)) if len(frames) else np.zeros(0)
    return len(frames) * 0.02, float((rms > threshold).sum()) * 0.02


def tone_seconds(path: Path, freq: float, threshold: float = 300.0) -> float:
    """Seconds of 20 ms frames carrying mostly a steady tone at ``freq`` (an agent phone's test voice).

    Tells a person's leg apart from ringback and music on hold, which are also "voiced".
    """
    rate, frames = _frames(path)
    if not len(frames):
        return 0.0
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(frames.shape[1]), axis=1)) ** 2
    bins = np.fft.rfftfreq(frames.shape[1], 1 / rate)
    near = np.abs(bins - freq) <= 75
    share = spectrum[:, near].sum(axis=1) / np.maximum(spectrum.sum(axis=1), 1e-9)
    rms = np.sqrt((frames**2).mean(axis=1))
    return float(((share > 0.6) & (rms > threshold)).sum()) * 0.02


@dataclass
class CallResult:
    """What happened on the caller's side."""

    events: list[UaEvent]
    heard: Path | None
    established: bool
    heard_seconds: float = 0.0
    heard_voiced_seconds: float = 0.0
    established_at: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


class ProbeCall:
    """A citizen's phone at 127.0.0.2 calling the city's number."""

    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        *,
        wav: Path | None = None,
        segments: list[tuple[float, Path | bytes]] | None = None,
        seconds: float = 20.0,
        delay: float = 0.0,
        dtmf: list[tuple[float, str]] | None = None,
        hangup_at: float | None = None,
        hangup_on: asyncio.Event | None = None,
        sip_host: str = "127.0.0.2",
        caller: str = "0612345678",
    ) -> None:
        self.settings = settings
        self.workdir = workdir
        self.seconds = seconds
        self.dtmf = dtmf or []
        self.hangup_at = hangup_at
        self.hangup_on = hangup_on
        """Hang up as soon as this is set (tests waiting on what happened, not on a fixed duration)."""
        self.sip_host = sip_host
        self.caller = caller
        """The caller ID the carrier presents (a French mobile by default; ``+33899…`` is a premium-rate line)."""
        self._established = asyncio.Event()
        self.dialled_at: float | None = None
        """Event-loop time the INVITE went out (after the phone started): where "answered within N s" starts."""
        segs = list(segments or [])
        if wav is not None:
            segs.append((delay, wav))
        workdir.mkdir(parents=True, exist_ok=True)
        self.source = workdir / "caller.wav"
        # baresip hangs up when the source ends: pad well past the call length
        build_timeline(segs, seconds + 5, self.source)
        self.ua: BaresipUA | None = None

    async def run(self, number: str) -> CallResult:
        """Dial, follow the script, hang up, collect the recording."""
        ua = BaresipUA(UaConfig(self.workdir / "ua", sip_host=self.sip_host, source_wav=self.source, user=self.caller))
        self.ua = ua
        await ua.start()
        a = self.settings.asterisk
        established_at: float | None = None
        try:
            await ua.dial(f"sip:{number}@{a.bind}:{a.sip_port}")
            self.dialled_at = asyncio.get_running_loop().time()
            # an event wait: the deadline only matters when the call never comes up (loaded machine: generous)
            ev = await ua.wait_event("CALL_ESTABLISHED", "CALL_CLOSED", timeout=30)
            if ev.type == "CALL_ESTABLISHED":
                established_at = ev.at
                self._established.set()
                await self._script(ua, ev.at)
        finally:
            await ua.stop()
        heard, _sent = ua.recordings()
        result = CallResult(ua.events, heard, established_at is not None, established_at=established_at)
        if heard is not None:
            result.heard_seconds, result.heard_voiced_seconds = voiced_seconds(heard)
        return result

    async def press(self, digits: str, timeout: float = 20.0) -> None:
        """Press keys now, once the call is up.

        A test presses on what it saw happen (a prompt started, an event of the bot), never at a fixed second
        that a loaded machine may reach before or after the prompt.
        """
        await asyncio.wait_for(self._established.wait(), timeout)
        if self.ua is None or any(e.type == "CALL_CLOSED" for e in self.ua.events):
            raise TelephonyError("the call is over: no key to press", retryable=False)
        await self.ua.send_dtmf(digits)

    async def wait_heard(self, voiced_s: float, *, then_silence_s: float = 0.0, timeout: float = 30.0) -> float:
        """Wait until the phone heard ``voiced_s`` of voice, then (if asked) ``then_silence_s`` of no new voice.

        The black-box way to press after a prompt (``ivr call``, a bot in another process): what the caller's
        phone received, not the clock. Returns the voiced seconds heard; ``TelephonyError`` on ``timeout``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last, quiet_since = -1.0, loop.time()
        while loop.time() < deadline:
            heard = self.heard_so_far()
            if heard != last:
                last, quiet_since = heard, loop.time()
            if heard >= voiced_s and loop.time() - quiet_since >= then_silence_s:
                return heard
            await asyncio.sleep(0.1)
        raise TelephonyError(f"heard {last:.1f} s of voice, not {voiced_s} s then {then_silence_s} s of silence, "
                             f"within {timeout} s", retryable=False)

    def heard_so_far(self, tone: float | None = None) -> float:
        """Voiced seconds (or seconds of a ``tone`` in Hz) the phone has heard up to now (the recording grows)."""
        heard = self.ua.recordings()[0] if self.ua is not None else None
        if heard is None or heard.stat().st_size <= 44:
            return 0.0
        return tone_seconds(heard, tone) if tone else voiced_seconds(heard)[1]

    async def _script(self, ua: BaresipUA, t0: float) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        end_at = self.hangup_at if self.hangup_at is not None else self.seconds
        pending = list(self.dtmf)
        while True:
            elapsed = loop.time() - start
            if any(e.type == "CALL_CLOSED" for e in ua.events):
                return
            if elapsed >= end_at or (self.hangup_on is not None and self.hangup_on.is_set()):
                await ua.hangup()
                with contextlib.suppress(TelephonyError):
                    await ua.wait_event("CALL_CLOSED", timeout=3)
                return
            if pending and elapsed >= pending[0][0]:
                _, digits = pending.pop(0)
                await ua.send_dtmf(digits)
            await asyncio.sleep(0.05)
