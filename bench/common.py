"""Shared helpers of ``bench/turn_latency.py`` and ``bench/capacity.py``.

A real Asterisk on free ports in a temp home, the bot in-process (clock fixed at a Tuesday 10:00 in Paris, so
every service is open), callers placed with baresip from 127.0.0.2 asking a city-hall question at t = 2 s
(barging into the greeting). The latency is measured on what the caller's phone heard: from the end of the
caller's speech to the first 20 ms frame of bot audio after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.audio.wav import write_wav  # noqa: E402
from ivr.call.events import CallEvent, Said, SpeechEnd, SpeechStart, Transcript  # noqa: E402
from ivr.config import Settings  # noqa: E402
from ivr.probe.call import ProbeCall  # noqa: E402
from ivr.telephony.asterisk.process import AsteriskProcess  # noqa: E402
from ivr.testing.lab import isolated_settings  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
OPEN_TIME = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
"""A Tuesday morning: every service is open."""
ASK_AT = 2.0
FRAME_S = 0.02
BOT_RMS = 300.0
"""RMS (16-bit PCM) of a 20 ms frame above which the caller hears the bot (silence/comfort noise is below)."""

QUESTIONS: list[tuple[str, str]] = [
    ("Je voudrais refaire mon passeport.", "passport"),
    ("Quels sont les horaires de la mairie ?", "city_hall_hours"),
    ("Comment inscrire mon enfant à la cantine ?", "school_canteen"),
    ("Je voudrais une carte d'identité.", "id_card"),
    ("Où se trouve la mairie ?", "city_hall_address"),
    ("Quand passe le ramassage des poubelles ?", "waste_collection"),
    ("Je voudrais un acte de naissance.", "birth_certificate"),
    ("Comment m'inscrire sur les listes électorales ?", "voter_registration"),
    ("Quels sont les horaires de la piscine ?", "swimming_pool"),
    ("Comment réserver une salle municipale ?", "room_rental"),
]


def make_settings(home: Path) -> Settings:
    """Settings on free ports (a developer's ``ivr up`` may be running on the default ones), no SMS."""
    return isolated_settings(home, {"sms": {"gateway": "none"}})


@dataclass
class Stack:
    """Asterisk + engines + the running bot."""

    settings: Settings
    asterisk: AsteriskProcess
    engines: Any
    bot: Any


@contextlib.asynccontextmanager
async def stack(home: Path) -> AsyncIterator[Stack]:
    """Start Asterisk and the bot (events kept in ``bot.hub.history``); stop both at the end."""
    from ivr.app import build_engines, start_bot
    from ivr.call.events import EventHub
    from ivr.clock import ShiftedClock

    settings = make_settings(home)
    engines = await asyncio.to_thread(build_engines, settings, warm=True)
    asterisk = AsteriskProcess(settings)
    await asyncio.to_thread(asterisk.start)
    try:
        hub = EventHub(history_per_call=settings.store.history_per_call, history_total=settings.store.history_total)
        hub.keep_history = True
        bot = await start_bot(settings, engines, hub=hub, clock=ShiftedClock(OPEN_TIME))
        try:
            yield Stack(settings, asterisk, engines, bot)
        finally:
            await bot.router.drain(3)
            await bot.stop()
    finally:
        await asyncio.to_thread(asterisk.stop)


@dataclass(frozen=True, slots=True)
class Question:
    """One synthesised caller question."""

    text: str
    intent: str
    wav: Path
    seconds: float


async def synth_questions(engines: Any, workdir: Path) -> list[Question]:
    """The caller's voices: the bot's own TTS (16 kHz wavs)."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    out = []
    for i, (text, intent) in enumerate(QUESTIONS):
        pcm = await engines.tts.synthesize(text, "fr")
        path = workdir / f"q{i:02d}.wav"
        write_wav(path, pcm)
        out.append(Question(text, intent, path, len(pcm) / 32000))
    return out


def frame_rms(path: Path) -> np.ndarray:
    """RMS of each 20 ms frame of a mono wav."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        a = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    n = int(rate * FRAME_S)
    if len(a) < n:
        return np.zeros(0)
    return np.asarray(np.sqrt((a[: len(a) // n * n].reshape(-1, n) ** 2).mean(axis=1)))


@dataclass
class Turn:
    """One question asked in one call, measured on the caller's side."""

    question: str
    established: bool
    latency_s: float | None = None
    """End of the caller's speech -> first bot audio heard; None if nothing was heard after it."""
    question_end_s: float | None = None
    echo: bool = False
    """Audio heard during the question: the caller's own voice, hold music, or a greeting not interrupted."""
    align_s: float | None = None
    """Where the heard file starts on the sent file's time line (aligned on the call's end)."""
    rtp_gap_s: float | None = None
    """Call established -> first RTP packet heard (the same quantity, from baresip's events)."""
    notes: list[str] = field(default_factory=list)


def measure(heard: Path, sent: Path | None, asks: list[tuple[float, Question]], rtp_gap: float | None = None,
            ) -> list[Turn]:
    """Latency of each question on the heard recording.

    Both sndfile recordings end when the call closes, and baresip keeps receiving 20 ms packets from Asterisk
    the whole call long; so the heard file's t=0 sits at ``len(sent) - len(heard)`` on the sent file's time
    line. The end of each question is refined on the sent file (last frame with energy).
    """
    h = frame_rms(heard)
    s = frame_rms(sent) if sent is not None else np.zeros(0)
    offset = (len(s) - len(h)) * FRAME_S if len(s) else 0.0
    turns = []
    for at, q in asks:
        end = float(at + q.seconds)
        if len(s):
            lo, hi = int(at / FRAME_S), min(len(s), int((at + q.seconds + 0.5) / FRAME_S))
            loud = np.nonzero(s[lo:hi] > BOT_RMS)[0]
            if len(loud):
                end = float(lo + loud[-1] + 1) * FRAME_S
        t = Turn(q.text, True, question_end_s=round(float(end), 3), align_s=round(offset, 3), rtp_gap_s=rtp_gap)
        if rtp_gap is not None and abs(offset - rtp_gap) > 0.2:
            t.notes.append(f"heard stream has {offset - rtp_gap:.2f} s of gaps after the start")
            if abs(offset - rtp_gap) > 0.5:  # the time lines cannot be lined up: no figure rather than a wrong one
                t.notes.append("unmeasurable")
                turns.append(t)
                continue
        # the caller's own voice heard back: energy during the question once the greeting was interrupted
        a, b = int((at + 1.0 - offset) / FRAME_S), int((end - offset) / FRAME_S)
        if b > a > 0 and float((h[a:b] > BOT_RMS).mean()) > 0.5:
            t.echo = True
            t.notes.append("heard audio during the question (own voice, hold music or greeting not interrupted)")
            turns.append(t)
            continue
        start = max(0, int((end - offset) / FRAME_S + 0.5))
        loud = np.nonzero(h[start:] > BOT_RMS)[0]
        if len(loud):
            t.latency_s = round(float(loud[0]) * FRAME_S, 3)
        turns.append(t)
    return turns


async def ask(settings: Settings, workdir: Path, asks: list[tuple[float, Question]], seconds: float) -> list[Turn]:
    """Place one call asking the questions at their times; measure each turn."""
    call = ProbeCall(settings, workdir, segments=[(at, q.wav) for at, q in asks], seconds=seconds)
    try:
        result = await call.run(settings.asterisk.did)
    except Exception as exc:  # a failed call is a result, not a crash of the benchmark
        return [Turn(q.text, False, notes=[f"call failed: {type(exc).__name__}: {exc}"]) for _, q in asks]
    heard, sent = call.ua.recordings() if call.ua is not None else (None, None)
    if not result.established or heard is None:
        return [Turn(q.text, result.established, notes=["no recording"]) for _, q in asks]
    at = {e.type: e.at for e in reversed(result.events)}
    gap = round(at["CALL_RTPESTAB"] - at["CALL_ESTABLISHED"], 3) if "CALL_RTPESTAB" in at else None
    return measure(heard, sent, asks, gap)


def bot_breakdown(history: list[CallEvent]) -> list[dict[str, float]]:
    """Per answered utterance, from the hub's events: VAD end-of-speech decision -> transcript -> answer."""
    by_call: dict[str, list[CallEvent]] = {}
    for e in history:
        by_call.setdefault(e.call_id, []).append(e)
    rows = []
    for events in by_call.values():
        last_start: tuple[CallEvent, SpeechStart] | None = None
        last_end: tuple[CallEvent, SpeechEnd] | None = None
        for i, e in enumerate(events):
            if isinstance(e.body, SpeechStart):
                last_start = (e, e.body)
            elif isinstance(e.body, SpeechEnd):
                last_end = (e, e.body)
            elif isinstance(e.body, Transcript) and last_end is not None:
                say = next((x for x in events[i:] if isinstance(x.body, Said)), None)
                end_ev, end = last_end
                row = {
                    "asr_s": e.body.asr_s,
                    "end_to_transcript_s": (e.at - end_ev.at).total_seconds(),
                }
                if last_start is not None:
                    row["utterance_s"] = end.t - last_start[1].t
                if say is not None:
                    row["transcript_to_say_s"] = (say.at - e.at).total_seconds()
                    row["end_to_say_s"] = (say.at - end_ev.at).total_seconds()
                rows.append(row)
                last_end = None
    return rows


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def stats(values: list[float]) -> dict[str, float]:
    """n, p50, p95, max, mean of a list (empty dict when there is nothing)."""
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3),
            "max": round(max(values), 3), "mean": round(statistics.fmean(values), 3)}


def breakdown_stats(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """``stats`` of each breakdown column."""
    keys = sorted({k for r in rows for k in r})
    return {k: stats([r[k] for r in rows if k in r]) for k in keys}
