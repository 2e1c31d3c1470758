"""Answer -> "you may speak" for each greeting (open, closed, holiday; fr, en), in the real Pico voice.

    .venv/bin/python bench/greeting_lengths.py [--json]

No call is placed: the dialog's greeting prompts are synthesised and their durations added up (what a caller
who does not interrupt sits through).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict

from ivr.config import load_settings
from ivr.dialog import Dialog, OpeningHours, from_kb
from ivr.dialog.greeting_time import MAX_GREETING_S, SITUATIONS, GreetingLength, measure
from ivr.nlu.kb import load_knowledge
from ivr.tts.factory import build_tts


async def lengths() -> list[GreetingLength]:
    settings = load_settings()
    view = from_kb(load_knowledge(settings.paths.knowledge_dir))
    hours = OpeningHours.from_knowledge(view, settings.dialog)
    tts = build_tts(settings)
    out = []
    for situation, at in SITUATIONS.items():
        for lang in ("fr", "en"):
            dialog = Dialog(view, hours, settings.dialog, lang=lang)
            out.append(await measure(situation, lang, dialog.start(at), tts.synthesize))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = asyncio.run(lengths())
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return
    for r in rows:
        flag = "ok " if r.seconds < MAX_GREETING_S else "LONG"
        print(f"{flag} {r.situation:8} {r.lang}  {r.seconds:5.1f} s to the invitation, {r.total_s:5.1f} s to listening"
              f"  {' + '.join(r.keys)}")


if __name__ == "__main__":
    main()
