"""Recognition and synthesis over the Wyoming protocol, against real servers started on loopback.

Two ``wyoming-faster-whisper`` processes serve the bundled whisper base (never a model hub); a
``wyoming-piper`` process speaks the packaged English voice. The tests go from balanced service, through a
server killed mid-run, to every server down (in-process fallback): they run in file order on purpose.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from ivr.asr.evaluation import load_prompts, prompt_wav, word_error_rate
from ivr.asr.factory import build_stt
from ivr.asr.models import whisper_model_dir
from ivr.asr.wyoming import WyomingStt
from ivr.audio.wav import read_wav
from ivr.config import load_settings
from ivr.testing.wyoming_lab import WyomingServer, faster_whisper_server, piper_server
from ivr.tts.factory import build_tts
from ivr.tts.wyoming import WyomingTts

pytestmark = [
    pytest.mark.skipif(not Path("/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz").exists(),
                       reason="Debian asterisk-core-sounds-fr (+ -wav) not installed"),
]

PROMPTS = ["agent-pass", "auth-thankyou", "conf-getpin", "vm-password"]


@pytest.fixture(scope="module")
async def asr_servers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[list[WyomingServer]]:
    model = whisper_model_dir("base", load_settings(environ={}).paths.cache_dir)
    root = tmp_path_factory.mktemp("wyoming-asr")
    servers = [faster_whisper_server(model, root / f"s{i}") for i in range(2)]
    await asyncio.gather(*(s.start() for s in servers))
    yield servers
    for s in servers:
        s.stop()


@pytest.fixture(scope="module")
async def stt(asr_servers: list[WyomingServer], tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WyomingStt]:
    home = tmp_path_factory.mktemp("home")
    settings = load_settings({"paths": {"home": str(home)}},
                             environ={"IVR_ASR__ENGINE": "wyoming",
                                      "IVR_ASR__WYOMING_URIS": ",".join(s.uri for s in asr_servers),
                                      "IVR_ASR__WYOMING_TIMEOUT_S": "60"})
    engine = build_stt(settings)
    assert isinstance(engine, WyomingStt)
    yield engine
    await engine.aclose()


async def _wer(stt: WyomingStt) -> float:
    refs = load_prompts("fr")
    texts = await asyncio.gather(*(stt.transcribe(read_wav(prompt_wav("fr", n)), "fr") for n in PROMPTS))
    return word_error_rate([refs[n] for n in PROMPTS], [t.text for t in texts], "fr")


async def test_french_speech_is_recognised_and_spread_over_both_servers(stt: WyomingStt) -> None:
    assert await _wer(stt) < 0.3
    served = [v.served for v in stt.servers()]
    assert sum(served) == len(PROMPTS) and min(served) >= 1, served
    assert stt.pool.fallbacks == 0


async def test_a_killed_server_is_taken_out_and_no_utterance_is_lost(
    stt: WyomingStt, asr_servers: list[WyomingServer]
) -> None:
    asr_servers[0].kill()
    assert await _wer(stt) < 0.3
    down, alive = stt.servers()
    assert not down.up and alive.up
    assert stt.pool.fallbacks == 0


async def test_with_every_server_down_recognition_falls_back_in_process(
    stt: WyomingStt, asr_servers: list[WyomingServer]
) -> None:
    asr_servers[1].kill()
    assert await _wer(stt) < 0.3
    assert not any(v.up for v in stt.servers())
    assert stt.pool.fallbacks >= len(PROMPTS)


async def test_speech_is_streamed_from_a_piper_server_and_pico_speaks_when_it_dies(
    tmp_path: Path,
) -> None:
    server = await piper_server(tmp_path / "piper").start()
    try:
        settings = load_settings({"paths": {"home": str(tmp_path / "home")}},
                                 environ={"IVR_TTS__ENGINE_EN": "wyoming", "IVR_TTS__WYOMING_URIS": server.uri,
                                          "IVR_TTS__WYOMING_TIMEOUT_S": "60"})
        tts = build_tts(settings)
        engine = tts.engine_for("en")  # type: ignore[attr-defined]
        assert isinstance(engine, WyomingTts)
        assert engine.voice_id("en") == "wyoming/default-en"
        pcm = await tts.synthesize("The city hall opens at nine on Saturday morning.", "en")
        audio = np.frombuffer(pcm, dtype="<i2")
        assert 1.5 < len(audio) / 16000 < 8 and np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 300
        assert engine.servers()[0].served == 1 and engine.pool.fallbacks == 0
        server.kill()
        fallback = await tts.synthesize("The city hall opens at nine.", "en")
        assert len(fallback) > 16000 and engine.pool.fallbacks >= 1
        await engine.pool.aclose()
    finally:
        server.stop()
