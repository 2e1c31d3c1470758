"""``ivr transcribe FILE.wav [--lang fr|en] [--prompt TEXT]``: print what the ASR hears in a wav file."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ivr.asr.factory import build_stt
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
