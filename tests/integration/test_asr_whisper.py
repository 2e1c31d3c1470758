"""faster-whisper on real telephone prompts (Debian asterisk-core-sounds), through the streaming interface."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ivr.asr.evaluation import load_errata, load_prompts, prompt_wav, word_error_rate
from ivr.asr.whisper import WhisperStt
from ivr.audio.wav import iter_frames, read_wav, silence
from ivr.config import PathsSettings, Settings, load_settings
from ivr.errors import AsrError

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz").exists(),
                       reason="Debian asterisk-core-sounds-fr/-en (+ -wav) not installed"),
]

FRENCH = ["agent-pass", "auth-thankyou", "conf-getpin", "vm-password"]
ENGLISH = ["agent-pass", "auth-thankyou", "conf-getpin", "vm-password"]


@pytest.fixture(scope="module")
def stt() -> Iterator[WhisperStt]:
    """One engine (models loaded once) shared by the module; worker threads are loop-independent."""
    base = load_settings(environ={})
    engine = WhisperStt(Settings(paths=PathsSettings(home=base.paths.home, cache_dir=base.paths.cache_dir)))
    engine.warm_up()
    yield engine
    asyncio.run(engine.aclose())


def _names(lang: str, wanted: list[str]) -> list[str]:
    prompts = load_prompts(lang)
    return [n for n in wanted if n in prompts]


async def test_french_prompts_wer(stt: WhisperStt) -> None:
    prompts = load_prompts("fr")
    names = _names("fr", FRENCH)
    assert len(names) >= 4
    results = [await stt.transcribe(read_wav(prompt_wav("fr", n)), "fr") for n in names]
    wer = word_error_rate([prompts[n] for n in names], [r.text for r in results], "fr")
    assert wer < 0.25, [r.text for r in results]
    assert all(r.is_final and r.lang == "fr" and r.audio_seconds > 0.3 for r in results)


async def test_english_prompts_wer(stt: WhisperStt) -> None:
    prompts = load_prompts("en")
    names = _names("en", ENGLISH)
    assert len(names) >= 4
    results = [await stt.transcribe(read_wav(prompt_wav("en", n)), "en") for n in names]
    wer = word_error_rate([prompts[n] for n in names], [r.text for r in results], "en")
    assert wer < 0.12, [r.text for r in results]


async def test_stream_interface_and_prompt(stt: WhisperStt) -> None:
    stream = stt.stream("fr", prompt="mairie, état civil, dièse")
    for frame in iter_frames(read_wav(prompt_wav("fr", "agent-pass"))):
        stream.push_frame(frame)
    stream.end_input()
    got = [t async for t in stream]
    assert len(got) == 1 and got[0].is_final
    assert word_error_rate([load_prompts("fr")["agent-pass"]], [got[0].text], "fr") <= 0.2
    assert got[0].processing_seconds > 0


async def test_concurrent_calls_are_batched(stt: WhisperStt) -> None:
    pcms = [read_wav(prompt_wav("en", n)) for n in _names("en", ENGLISH)[:3]]
    worker = stt.worker("en")
    singles = [(await stt.transcribe(p, "en")).text for p in pcms]
    before = len(worker.batches)
    # utterances from several calls arriving while the worker is busy are decoded together
    audios = [np.frombuffer(p, dtype="<i2").astype(np.float32) / 32768.0 for p in pcms]
    futures = [worker.submit(a, None) for a in [audios[0], *audios]]
    texts = await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
    assert list(texts[1:]) == singles  # batching changes nothing in the output
    # every batch is recorded before its futures resolve: no waiting for the worker thread here
    batches = list(worker.batches)[before:]
    assert sum(batches) >= len(futures)
    assert max(batches) > 1


async def test_silence_and_bad_language(stt: WhisperStt) -> None:
    assert (await stt.transcribe(b"", "fr")).text == ""
    assert (await stt.transcribe(silence(0.05), "en")).text == ""
    with pytest.raises(AsrError):
        await stt.transcribe(silence(1.0), "de")


async def test_aclose_abandons_a_stream(stt: WhisperStt) -> None:
    stream = stt.stream("en")
    for frame in iter_frames(read_wav(prompt_wav("en", "agent-pass"))):
        stream.push_frame(frame)
    stream.end_input()
    await stream.aclose()
    assert [t async for t in stream] == []


def test_every_erratum_applies_to_the_installed_transcripts() -> None:
    """Each correction finds its mistake exactly once in Debian's transcript (a fixed package would show here)."""
    published = load_prompts("fr", errata=False)
    corrected = load_prompts("fr")
    for e in load_errata("fr"):
        assert published[e.name].count(e.published) == 1, e
        assert e.corrected in corrected[e.name], e
    changed = [n for n in published if published[n] != corrected[n]]
    assert len(changed) == len({e.name for e in load_errata("fr")})
