"""``ivr say`` (text to a 16 kHz wav) and ``ivr voices build`` (pre-render everything the bot says)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from ivr.audio.frame import INTERNAL_RATE, SAMPLE_WIDTH
from ivr.audio.wav import write_wav
from ivr.config import Settings
from ivr.tts.base import LANGS
from ivr.tts.build import build_voices, voice_texts
from ivr.tts.cache import CachedTts, cache_root
from ivr.tts.factory import build_tts


def register(sub: Any) -> None:
    """Add ``say`` and ``voices`` to the ``ivr`` parser."""
    say = sub.add_parser("say", help="synthesise a text into a 16 kHz wav")
    say.add_argument("text")
    say.add_argument("--lang", choices=LANGS, default="fr")
    say.add_argument("-o", "--output", type=Path, required=True, help="wav file to write")
    say.set_defaults(func=cmd_say)

    voices = sub.add_parser("voices", help="the voice cache")
    vsub = voices.add_subparsers(dest="voices_command", required=True)
    build = vsub.add_parser("build", help="pre-render every system prompt and knowledge-base answer")
    build.add_argument("--lang", choices=LANGS, help="only this language (default: both)")
    build.set_defaults(func=cmd_voices_build)


def cmd_say(settings: Settings, args: argparse.Namespace) -> int:
    """Write ``args.text`` spoken in ``args.lang`` to ``args.output``."""
    pcm = asyncio.run(build_tts(settings).synthesize(args.text, args.lang))
    write_wav(args.output, pcm, INTERNAL_RATE)
    print(f"{args.output}: {len(pcm) / SAMPLE_WIDTH / INTERNAL_RATE:.2f} s at {INTERNAL_RATE} Hz")
    return 0


def cmd_voices_build(settings: Settings, args: argparse.Namespace) -> int:
    """Render everything missing from the voice cache."""
    langs = (args.lang,) if args.lang else LANGS
    tts = CachedTts(build_tts(settings), cache_root(settings))
    report = asyncio.run(build_voices(tts, voice_texts(settings, langs), progress=True))
    print(
        f"voices: {report.rendered} rendered, {report.cached} already cached, "
        f"{report.seconds:.1f} s -> {tts.cache_dir}"
    )
    return 0
