#!/usr/bin/env python3
"""Recognition settings side by side on the Asterisk prompts: French WER and CPU seconds per utterance.

Every configuration decodes the same committed sample (``bench/data/asr_sample_{lang}.txt``) through the
project's worker (``ivr.asr.worker``: bounded batched decode, adaptive window, loop check), one utterance at
a time, on ONE CPU thread, and the cost is the process CPU time per utterance: on a shared machine wall-clock
time says more about the neighbours than about the setting, while one thread's CPU time does not depend on
them much (and counts no OpenMP spin-waiting). Configurations that share a weight type share a loaded model.
Writes ``bench/results/asr_sweep.json``.

    .venv/bin/python bench/asr_sweep.py [--lang fr] [--limit N] [--only NAME,NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.asr_wer import sample_names  # noqa: E402
from ivr.asr.evaluation import load_prompts, prompt_wav, word_error_rate  # noqa: E402
from ivr.asr.models import whisper_model_dir  # noqa: E402
from ivr.asr.worker import DecodeOptions, WhisperWorker  # noqa: E402
from ivr.audio.wav import read_wav  # noqa: E402
from ivr.config import load_settings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "asr_sweep.json"
GENERIC_FR = "Bonjour. Vous êtes bien sur le répondeur de la mairie, veuillez composer le numéro."
"""A short generic French sentence as prompt: style (punctuation, -ez forms), no topic words."""

CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "vocab": {"prompt": "vocab"},
    "generic-prompt": {"prompt": GENERIC_FR},
    "int8_float32": {"compute_type": "int8_float32"},
    "float32": {"compute_type": "float32"},
    "beam1": {"beam_size": 1},
    "beam3": {"beam_size": 3},
    "beam8": {"beam_size": 8},
    "patience2": {"patience": 2.0},
    "lp0.6": {"length_penalty": 0.6},
    "lp1.4": {"length_penalty": 1.4},
    "timestamps": {"timestamps": True},
    "no-suppress-blank": {"suppress_blank": False},
    "rep1.05": {"repetition_penalty": 1.05},
    "ngram4": {"no_repeat_ngram_size": 4},
    "window6": {"min_window_s": 6.0},
    "window14": {"min_window_s": 14.0},
    "window30": {"adaptive_window": False},
    "pad-silence": {"pad_silence": True},
    "pad-silence-window6": {"pad_silence": True, "min_window_s": 6.0},
    "pad-silence-window4": {"pad_silence": True, "min_window_s": 4.0},
    "pad-silence-window30": {"pad_silence": True, "adaptive_window": False},
    "pad-silence-window14": {"pad_silence": True, "min_window_s": 14.0},
    "pad-silence-lp0.6": {"pad_silence": True, "length_penalty": 0.6},
    "pad-silence-vocab": {"pad_silence": True, "prompt": "vocab"},
}


def decoder_options(overrides: dict[str, Any], base: DecodeOptions) -> DecodeOptions:
    """The base options with a configuration's overrides (``prompt`` is not a decode option)."""
    return replace(base, **{k: v for k, v in overrides.items() if k != "prompt"})


def run(lang: str, names: list[str], configs: dict[str, dict[str, Any]],
        partial: Path | None = None) -> list[dict[str, Any]]:
    """Decode the sample under every configuration; one model per weight type."""
    settings = load_settings()
    asr = settings.asr
    base = DecodeOptions(beam_size=asr.beam_size, cpu_threads=1, batching=False, adaptive_window=asr.adaptive_window,
                         repetition_penalty=asr.repetition_penalty, no_repeat_ngram_size=asr.no_repeat_ngram_size,
                         min_window_s=asr.min_window_s, no_speech_threshold=asr.no_speech_threshold, n_best=1,
                         compute_type=asr.compute_type)
    prompts = load_prompts(lang)
    refs = [prompts[n] for n in names]
    audios = [np.frombuffer(read_wav(prompt_wav(lang, n)), dtype="<i2").astype(np.float32) / 32768.0 for n in names]
    model_name = asr.whisper_model_fr if lang == "fr" else asr.whisper_model_en
    model_dir = whisper_model_dir(model_name, settings.paths.cache_dir)
    workers: dict[str, WhisperWorker] = {}
    out = []
    for name, overrides in configs.items():
        options = decoder_options(overrides, base)
        worker = workers.get(options.compute_type)
        if worker is None:
            worker = workers.setdefault(options.compute_type, WhisperWorker(model_dir, lang, options))
            worker.load()
        worker.options = options
        prompt = overrides.get("prompt")
        if prompt == "vocab":
            from ivr.nlu.kb import load_knowledge
            from ivr.nlu.vocabulary import recognition_prompt

            prompt = recognition_prompt(load_knowledge(settings.paths.knowledge_dir), lang, asr.prompt_entries)
        hyps = []
        cpu0 = time.process_time()
        for audio in audios:
            hyps.append(str(worker.decode([audio], prompt)[0]))
        cpu = time.process_time() - cpu0
        row = {"config": name, "overrides": overrides, "utterances": len(names),
               "wer": round(word_error_rate(refs, hyps, lang), 4),
               "wer_fold_ez": round(word_error_rate(refs, hyps, lang, fold_ez=True), 4),
               "cpu_s_per_utterance": round(cpu / len(names), 3),
               "hyps": hyps}
        print(f"{name:<20}{row['wer']:>8.1%}{row['wer_fold_ez']:>8.1%}{row['cpu_s_per_utterance']:>8.3f}", flush=True)
        out.append(row)
        if partial is not None:  # written as it goes: a slow machine may not see the end
            partial.write_text(json.dumps({"lang": lang, "results": out}, ensure_ascii=False, indent=1))
    return out


def main() -> int:
    """Run the sweep and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--only", default="", help="comma list of configuration names")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    prompts = load_prompts(args.lang)
    names = [n for n in sample_names(args.lang) if n in prompts][: args.limit or None]
    configs = {k: CONFIGS[k] for k in args.only.split(",")} if args.only else CONFIGS
    print(f"{'config':<20}{'WER':>8}{'WER-ez':>8}{'CPU s':>8}   ({len(names)} {args.lang} prompts, 1 thread)")
    rows = run(args.lang, names, configs, args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"lang": args.lang, "base": asdict(DecodeOptions()), "results": rows},
                                   ensure_ascii=False, indent=1))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
