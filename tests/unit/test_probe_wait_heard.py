"""ProbeCall.wait_heard: the black-box way to press after a prompt, read from the phone's growing recording."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from ivr.audio.wav import write_wav
from ivr.config import Settings
from ivr.errors import TelephonyError
from ivr.probe.call import UA_RATE, ProbeCall


class RecordingUa:
    """Stands for baresip: only its recording of what the phone heard, which the test writes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def recordings(self) -> tuple[Path | None, Path | None]:
        return (self.path if self.path.exists() else None, None)


def write_heard(path: Path, voiced_s: float, silence_s: float) -> None:
    t = np.arange(int(UA_RATE * voiced_s)) / UA_RATE
    voice = (3000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    write_wav(path, np.concatenate([voice, np.zeros(int(UA_RATE * silence_s), np.int16)]).tobytes(), rate=UA_RATE)


def probe(tmp_path: Path) -> tuple[ProbeCall, Path]:
    call = ProbeCall(Settings(), tmp_path / "call", seconds=1)
    heard = tmp_path / "heard.wav"
    call.ua = RecordingUa(heard)  # type: ignore[assignment]
    return call, heard


async def test_returns_once_the_voice_was_heard_and_then_silence(tmp_path: Path) -> None:
    call, heard = probe(tmp_path)
    waiter = asyncio.create_task(call.wait_heard(1.5, then_silence_s=0.3, timeout=10))
    await asyncio.sleep(0.3)
    assert not waiter.done()  # nothing heard yet
    write_heard(heard, voiced_s=1.0, silence_s=0.0)
    await asyncio.sleep(0.3)
    assert not waiter.done()  # 1 s of voice: not enough
    write_heard(heard, voiced_s=2.0, silence_s=1.0)
    assert await waiter == pytest.approx(2.0, abs=0.05)


async def test_gives_up_after_the_timeout(tmp_path: Path) -> None:
    call, heard = probe(tmp_path)
    write_heard(heard, voiced_s=0.5, silence_s=2.0)
    with pytest.raises(TelephonyError, match=r"heard 0\.5 s of voice"):
        await call.wait_heard(3.0, timeout=0.5)
