#!/usr/bin/env python3
"""ASR benchmark on real telephone speech: the Debian Asterisk prompts (8 kHz, professional voices).

For each language: word error rate after normalisation (lower case, punctuation, numbers spelled
out) against the transcripts with their spelling mistakes corrected (``ivr/asr/data/*_errata.tsv``); the
same against the transcripts as Debian publishes them ("as pub"); the same with French -ez/-er/-é endings
folded; the WER on prompts of 3 words or more (sentences); end-of-speech -> text latency p50/p95 (the
utterance is complete when submitted, as after ``SpeechEnded``); CPU seconds per audio second and peak RSS
(each language runs in its own process). ``--batch`` also measures 4 utterances submitted at once, with and
without cross-call batching. Writes ``bench/results/asr_wer.json``.

    .venv/bin/python bench/asr_wer.py [--limit N] [--lang fr,en] [--beam N] [--full-window] [--min-window S]
        [--vocab | --prompt TEXT] [--batch]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.asr.evaluation import apply_errata, load_errata, load_prompts, prompt_wav, word_error_rate  # noqa: E402
from ivr.asr.whisper import WhisperStt  # noqa: E402
from ivr.audio.wav import read_wav  # noqa: E402
from ivr.config import Settings, load_settings  # noqa: E402

SAMPLE_SIZE = 150
SEED = 20261121
DATA = Path(__file__).resolve().parent / "data"
RESULTS = Path(__file__).resolve().parent / "results" / "asr_wer.json"


def sample_names(lang: str) -> list[str]:
    """The committed sample list; created deterministically the first time."""
    path = DATA / f"asr_sample_{lang}.txt"
    if path.exists():
        return [n for n in path.read_text().split() if n]
    names = sorted(random.Random(SEED).sample(sorted(load_prompts(lang)), SAMPLE_SIZE))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(names) + "\n")
    return names


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def settings_for(args: argparse.Namespace) -> Settings:
    """Project settings with the benchmark's overrides."""
    base = load_settings()
    asr = replace(base.asr, beam_size=args.beam if args.beam else base.asr.beam_size,
                  adaptive_window=not args.full_window,
                  min_window_s=args.min_window if args.min_window else base.asr.min_window_s)
    return replace(base, asr=asr)


async def run_language(lang: str, args: argparse.Namespace) -> dict[str, Any]:
    """Transcribe the sample one utterance at a time (the worker is otherwise idle)."""
    published = load_prompts(lang, errata=False)
    prompts = apply_errata(published, load_errata(lang))
    names = [n for n in sample_names(lang) if n in prompts][: args.limit or None]
    settings = settings_for(args)
    prompt = args.prompt
    if args.vocab:
        from ivr.nlu.kb import load_knowledge
        from ivr.nlu.vocabulary import recognition_prompt

        prompt = recognition_prompt(load_knowledge(settings.paths.knowledge_dir), lang, settings.asr.prompt_entries)
    stt = WhisperStt(settings)
    started = time.perf_counter()
    stt.warm_up((lang,))
    load_s = time.perf_counter() - started
    audio_s, latencies, hyps = 0.0, [], []
    cpu0 = time.process_time()
    for name in names:
        result = await stt.transcribe(read_wav(prompt_wav(lang, name)), lang, prompt)
        audio_s += result.audio_seconds
        latencies.append(result.processing_seconds)
        hyps.append(result.text)
    cpu = time.process_time() - cpu0
    refs = [prompts[n] for n in names]
    long_ = [i for i, r in enumerate(refs) if len(r.split()) >= 3]
    out: dict[str, Any] = {
        "lang": lang,
        "model": settings.asr.whisper_model_fr if lang == "fr" else settings.asr.whisper_model_en,
        "beam_size": settings.asr.beam_size,
        "adaptive_window": settings.asr.adaptive_window,
        "min_window_s": settings.asr.min_window_s,
        "vocabulary_prompt": bool(args.vocab),
        "utterances": len(names),
        "audio_seconds": round(audio_s, 1),
        "wer": round(word_error_rate(refs, hyps, lang), 4),
        "wer_as_published": round(word_error_rate([published[n] for n in names], hyps, lang), 4),
        "wer_fold_ez": round(word_error_rate(refs, hyps, lang, fold_ez=True), 4),
        "wer_sentences": round(word_error_rate([refs[i] for i in long_], [hyps[i] for i in long_], lang), 4),
        "sentences": len(long_),
        "latency_p50_s": round(percentile(latencies, 50), 3),
        "latency_p95_s": round(percentile(latencies, 95), 3),
        "cpu_s_per_audio_s": round(cpu / audio_s, 3),
        "model_load_s": round(load_s, 2),
        "errors": [{"name": n, "ref": r, "hyp": h} for n, r, h in zip(names, refs, hyps, strict=True)
                   if word_error_rate([r], [h], lang) > 0][:40],
    }
    await stt.aclose()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.batch:  # after the RSS reading: the experiment loads a second copy of the model
        out["batch"] = await batch_experiment(lang, names, settings)
    return out


async def batch_experiment(lang: str, names: list[str], settings: Settings, rounds: int = 3) -> dict[str, Any]:
    """Latency of 4 utterances submitted at once, with and without cross-call batching."""
    pcms = [read_wav(prompt_wav(lang, n)) for n in names[:4 * rounds]]
    result: dict[str, Any] = {}
    for batching in (False, True):
        stt = WhisperStt(settings, batching=batching)
        stt.warm_up((lang,))
        lat: list[float] = []
        walls: list[float] = []
        for r in range(rounds):
            group = pcms[4 * r : 4 * r + 4]
            t0 = time.perf_counter()
            res = await asyncio.gather(*(stt.transcribe(p, lang) for p in group))
            walls.append(time.perf_counter() - t0)
            lat += [x.processing_seconds for x in res]
        result["batched" if batching else "sequential"] = {
            "mean_latency_s": round(statistics.mean(lat), 3),
            "max_latency_s": round(max(lat), 3),
            "wall_per_4_s": round(statistics.mean(walls), 3),
            "batch_sizes": list(stt.worker(lang).batches),
        }
        await stt.aclose()
    return result


def child(lang: str, args: argparse.Namespace, conn: Any) -> None:
    """Run one language in a fresh process (so peak RSS is per language)."""
    conn.send(asyncio.run(run_language(lang, args)))
    conn.close()


def main() -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N utterances per language")
    parser.add_argument("--lang", default="fr,en")
    parser.add_argument("--beam", type=int, default=0, help="override asr.beam_size")
    parser.add_argument("--full-window", action="store_true", help="pad every utterance to 30 s")
    parser.add_argument("--min-window", type=float, default=0.0, help="override asr.min_window_s (seconds)")
    parser.add_argument("--prompt", default=None, help="initial prompt given to the recogniser")
    parser.add_argument("--vocab", action="store_true",
                        help="give the bot's live prompt (the knowledge base's vocabulary) instead of --prompt")
    parser.add_argument("--batch", action="store_true", help="also run the cross-call batching experiment")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = []
    ctx = mp.get_context("spawn")
    for lang in args.lang.split(","):
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=child, args=(lang, args, send))
        proc.start()
        results.append(recv.recv())
        proc.join()
    print(f"{'lang':<5}{'model':<9}{'beam':>5}{'window':>9}{'n':>5}{'WER':>8}{'as pub':>8}{'WER-ez':>8}"
          f"{'WER≥3w':>8}{'p50 s':>8}{'p95 s':>8}{'CPU/s':>7}{'RSS MB':>8}")
    for r in results:
        print(f"{r['lang']:<5}{r['model']:<9}{r['beam_size']:>5}{'adapt' if r['adaptive_window'] else '30 s':>9}"
              f"{r['utterances']:>5}{r['wer']:>8.1%}{r['wer_as_published']:>8.1%}{r['wer_fold_ez']:>8.1%}"
              f"{r['wer_sentences']:>8.1%}{r['latency_p50_s']:>8.2f}"
              f"{r['latency_p95_s']:>8.2f}{r['cpu_s_per_audio_s']:>7.2f}{r['peak_rss_mb']:>8}")
        if "batch" in r:
            for mode, b in r["batch"].items():
                print(f"     4 at once, {mode:<10}: mean {b['mean_latency_s']:.2f} s, max {b['max_latency_s']:.2f} s,"
                      f" wall {b['wall_per_4_s']:.2f} s, batches {b['batch_sizes']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "results": results},
                                   ensure_ascii=False, indent=1))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
