"""``ivr transcribe FILE.wav``: print what the ASR hears; ``ivr asr-server``: serve the bundled model over Wyoming."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from ivr.asr.factory import build_stt
from ivr.asr.models import whisper_model_dir
from ivr.asr.types import Transcript
from ivr.audio.wav import read_wav
from ivr.config import Settings


def register(subparsers: Any) -> None:
    """Add the ``transcribe`` subcommand."""
    p = subparsers.add_parser("transcribe", help="print the text recognised in a wav file")
    p.add_argument("file", help="PCM wav file (any rate; mixed down to 16 kHz mono)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.add_argument("--prompt", default=None, help="vocabulary hint passed to the recogniser")
    p.add_argument("--timing", action="store_true", help="also print audio and processing seconds")
    p.set_defaults(func=transcribe_command)
    s = subparsers.add_parser(
        "asr-server", help="serve the bundled whisper model over Wyoming (needs the 'speech-server' extra)"
    )
    s.add_argument("--uri", default="tcp://127.0.0.1:10300", help="where to listen (tcp://host:port)")
    s.add_argument("--lang", choices=("fr", "en"), default="fr")
    s.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    s.set_defaults(func=asr_server_command)


def asr_server_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``ivr asr-server``: wyoming-faster-whisper on the model assembled from the PyPI packages, offline."""
    name = settings.asr.whisper_model_fr if args.lang == "fr" else settings.asr.whisper_model_en
    model = whisper_model_dir(name, settings.paths.cache_dir)
    argv = [sys.executable, "-m", "wyoming_faster_whisper", "--uri", args.uri, "--model", str(model),
            "--data-dir", str(settings.paths.cache_dir / "wyoming"), "--local-files-only",
            "--stt-library", "faster-whisper", "--language", args.lang, "--compute-type", settings.asr.compute_type,
            "--cpu-threads", str(args.threads), "--beam-size", str(settings.asr.beam_size)]
    os.execv(sys.executable, argv)  # the server replaces this process (signals and exit code are its own)


def transcribe_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``ivr transcribe``."""
    pcm = read_wav(args.file)

    async def run() -> Transcript:
        stt = build_stt(settings)
        try:
            return await stt.transcribe(pcm, args.lang, args.prompt)
        finally:
            await stt.aclose()

    result = asyncio.run(run())
    print(result.text)
    if args.timing:
        print(f"audio {result.audio_seconds:.2f} s, processing {result.processing_seconds:.2f} s")
    return 0
