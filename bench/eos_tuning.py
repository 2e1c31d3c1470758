#!/usr/bin/env python3
"""End-of-speech tuning on real speech: utterances cut in the middle vs latency gained, per ``end_of_speech_ms``.

The project's own VAD (WebRTC gate + Silero, the ``combined`` detector) and its pure segmenter run offline
over real recorded speech; nothing else. Speech probabilities are computed once per file, then the
segmenter is replayed for each candidate value, so every value sees exactly the same audio.

Two sets:
- ``prompts``: Debian's French Asterisk prompts (professional voices, 8 kHz, LAB-NOTES §5), the committed
  sample of ``bench/data/asr_sample_fr.txt``; each file is one utterance with its natural pauses.
- ``hesitant``: pairs of those prompts joined by a pause of 300–900 ms, as a caller who stops mid-sentence
  ("je voudrais... un acte de naissance"). It is one turn: any end declared inside the gap is a cut.

For each value: ``cut_rate`` (an utterance split into more than one turn: the bot would answer half a
question), ``missed`` (no turn at all), and ``eos_latency_s`` (audio time from the last speech frame to the
declared end, what the caller waits before recognition can even finish) and ``head_start_s`` (how long
speculative recognition started at ``pause_ms`` runs before the end is declared) and ``text_ready_s``
(last word to final text: ``max(end_of_speech, pause + recognition)``, the pause audio being the same
bytes as the final audio, so the speculative result is the final one). Writes
``bench/results/eos_tuning.json``.

    .venv/bin/python bench/eos_tuning.py [--limit N] [--values 300,400,500,600,700,800,1000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.asr.evaluation import load_prompts, prompt_wav  # noqa: E402
from ivr.audio.frame import AudioFrame  # noqa: E402
from ivr.audio.wav import read_wav, silence  # noqa: E402
from ivr.config import VadSettings  # noqa: E402
from ivr.vad.detectors import build_detector  # noqa: E402
from ivr.vad.events import SpeechEnded  # noqa: E402
from ivr.vad.segmenter import Segmenter  # noqa: E402

SEED = 20261129
FRAME_BYTES = 640  # 20 ms at 16 kHz
DATA = ROOT / "bench" / "data" / "asr_sample_fr.txt"
RESULTS = ROOT / "bench" / "results" / "eos_tuning.json"
LEAD_S, TAIL_S = 0.5, 2.0


def frames_of(pcm: bytes) -> list[AudioFrame]:
    """20 ms frames with their audio timestamps."""
    n = len(pcm) // FRAME_BYTES
    return [AudioFrame(pcm[i * FRAME_BYTES:(i + 1) * FRAME_BYTES], timestamp=i * 0.02) for i in range(n)]


def scored(pcm: bytes, base: VadSettings) -> list[tuple[AudioFrame, float]]:
    """Each frame with the combined detector's probability (a fresh detector per utterance, as per call)."""
    detector = build_detector(base)
    return [(f, detector.probability(f)) for f in frames_of(silence(LEAD_S) + pcm + silence(TAIL_S))]


def turns(frames: list[tuple[AudioFrame, float]], settings: VadSettings) -> list[SpeechEnded]:
    """Replay the segmenter over scored frames."""
    seg = Segmenter(settings)
    seg.disarm_no_input()
    return [ev for f, p in frames for ev in seg.process(f, p) if isinstance(ev, SpeechEnded)]


def evaluate(sets: dict[str, list[list[tuple[AudioFrame, float]]]], values: list[int],
             base: VadSettings, asr_s: float) -> dict[str, Any]:
    """Cut rate and latency for each value on each set."""
    out: dict[str, Any] = {}
    for name, utterances in sets.items():
        rows = []
        for ms in values:
            settings = replace(base, end_of_speech_ms=ms)
            counts = [turns(u, settings) for u in utterances]
            ended = [t for c in counts for t in c]
            rows.append({
                "end_of_speech_ms": ms,
                "utterances": len(utterances),
                "cut": sum(1 for c in counts if len(c) > 1),
                "cut_rate": round(sum(1 for c in counts if len(c) > 1) / len(utterances), 4),
                "missed": sum(1 for c in counts if not c),
                "eos_latency_s": round(statistics.median(t.timestamp - t.speech_end for t in ended), 3)
                if ended else None,
                "head_start_s": round(max(0, ms - base.pause_ms) / 1000, 3),
                "text_ready_s": round(max(ms / 1000, base.pause_ms / 1000 + asr_s), 3),
            })
        out[name] = rows
    return out


def main() -> int:
    """Run the sweep and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N prompts")
    parser.add_argument("--values", default="300,400,500,600,700,800,1000")
    parser.add_argument("--asr-s", type=float, default=0.3,
                        help="recognition time assumed for text_ready_s (bench/asr_wer.py p50)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    base = VadSettings()
    values = [int(v) for v in args.values.split(",")]
    prompts = load_prompts("fr")
    names = [n for n in DATA.read_text().split() if n in prompts][: args.limit or None]
    audio = [read_wav(prompt_wav("fr", n)) for n in names]
    rng = random.Random(SEED)
    order = list(range(len(audio)))
    rng.shuffle(order)
    pairs = [(order[i], order[i + 1], rng.uniform(0.3, 0.9)) for i in range(0, len(order) - 1, 2)]
    sets = {
        "prompts": [scored(a, base) for a in audio],
        "hesitant": [scored(audio[a] + silence(gap) + audio[b], base) for a, b, gap in pairs],
    }
    results = evaluate(sets, values, base, args.asr_s)
    print(f"{'set':<10}{'eos ms':>8}{'n':>5}{'cut':>6}{'cut %':>8}{'missed':>8}{'eos→end s':>11}{'head start s':>14}"
          f"{'text ready s':>14}")
    for name, rows in results.items():
        for r in rows:
            print(f"{name:<10}{r['end_of_speech_ms']:>8}{r['utterances']:>5}{r['cut']:>6}{r['cut_rate']:>8.1%}"
                  f"{r['missed']:>8}{r['eos_latency_s']:>11}{r['head_start_s']:>14}{r['text_ready_s']:>14}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "detector": base.detector, "pause_ms": base.pause_ms, "min_speech_ms": base.min_speech_ms,
        "asr_s_assumed": args.asr_s,
        "hesitant_gap_s": [0.3, 0.9], "results": results,
    }, indent=1))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
