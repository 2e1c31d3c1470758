#!/usr/bin/env python3
"""Spoken evaluation: citizen questions spoken by voices that are not the bot's, through telephone conditions.

The project's own set (``bench/data/spoken_{fr,en}.tsv``, written for it, never the knowledge base's
utterances) is rendered by espeak-ng + MBROLA voices at several speeds and pitches, put through 8 kHz G.711
µ-law or A-law, level changes and seeded background noise (``ivr.testing.spoken``; audio cached in
``~/.cache/ivr/spoken``), then recognised by the project's real ASR (in process), matched, and classified by
what the caller would get: right, confirmed (the bot proposes the right intent), abstained, wrong. Reports per
voice and overall, plus WER. ``--split tune`` is for choosing settings; ``test`` is read once at the end.

    .venv/bin/python bench/spoken_eval.py [--split all|tune|test] [--lang fr,en] [--limit N] [--per-question 2]
        [--beam N] [--min-window S|0=30 s] [--prompt live|none|short|mid|long] [--no-speech P] [--model-en NAME]
        [--calls N] [--out FILE]

Needs the MBROLA voices: ``bash scripts/install-test-voices.sh`` (as root; non-free, bench only).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.asr.evaluation import word_error_rate  # noqa: E402
from ivr.config import Settings, load_settings  # noqa: E402
from ivr.testing.spoken.corpus import Rendering, read_questions, renderings  # noqa: E402
from ivr.testing.spoken.render import heard  # noqa: E402
from ivr.testing.spoken.scoring import OUTCOMES, Row, outcome, table  # noqa: E402
from ivr.testing.spoken.voices import PLAIN_VOICES, VOICES  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
RECOGNITION_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ivr" / "spoken-asr"
"""Recognised readings per rendering, keyed on audio + recognition settings + prompt (outside the checkout), so a
matcher change is re-scored in seconds; ``--no-cache`` recognises again."""
PROMPT_ENTRIES = {"none": 0, "short": 20, "mid": 60, "long": 120}
"""Vocabulary prompt sizes (entries of ``ivr.nlu.vocabulary``); ``live`` is ``asr.prompt_entries``, the bot's."""


def settings_for(args: argparse.Namespace) -> Settings:
    """Project settings with this run's recognition overrides."""
    base = load_settings()
    asr = base.asr
    if args.beam:
        asr = replace(asr, beam_size=args.beam)
    if args.min_window is not None:
        asr = replace(asr, adaptive_window=args.min_window > 0, min_window_s=args.min_window or asr.min_window_s)
    if args.no_speech is not None:
        asr = replace(asr, no_speech_threshold=args.no_speech)
    if args.model_en:
        asr = replace(asr, whisper_model_en=args.model_en)
    if args.n_best:
        asr = replace(asr, n_best=args.n_best)
    return replace(base, asr=asr)


def select(args: argparse.Namespace) -> list[Rendering]:
    """The renderings of this run: split, languages, voices, limit."""
    langs = args.lang.split(",")
    questions = [q for lang in langs for q in read_questions(DATA / f"spoken_{lang}.tsv")]
    if args.split != "all":
        questions = [q for q in questions if q.split == args.split]
    voices = VOICES + PLAIN_VOICES
    if args.voices:
        wanted = set(args.voices.split(","))
        voices = tuple(v for v in voices if v.name in wanted)
    else:
        voices = VOICES
    chosen = renderings(questions, args.per_question, voices)
    if args.limit:
        chosen = [r for lang in langs for r in [x for x in chosen if x.question.lang == lang][: args.limit]]
    return chosen


def render_all(items: list[Rendering]) -> list[bytes]:
    """Audio of every rendering (espeak-ng runs in parallel; cached after the first run)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(heard, items))


def cache_key(pcm: bytes, lang: str, prompt: str, settings: Settings) -> str:
    """What decides the recogniser's output: the audio, the language, the prompt and every ASR setting."""
    h = hashlib.sha256(pcm)
    h.update(json.dumps([lang, prompt, asdict(settings.asr)], sort_keys=True, default=str).encode())
    return h.hexdigest()


def cached_readings(key: str, use_cache: bool) -> tuple[str, tuple[str, ...]] | None:
    """The (text, alternatives) stored for ``key``, if any."""
    path = RECOGNITION_CACHE / f"{key}.json"
    if not use_cache or not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return str(data["text"]), tuple(data["alternatives"])


def store_readings(key: str, text: str, alternatives: tuple[str, ...]) -> None:
    """Keep the readings of one recognition."""
    RECOGNITION_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = RECOGNITION_CACHE / f"{key}.tmp"
    tmp.write_text(json.dumps({"text": text, "alternatives": list(alternatives)}, ensure_ascii=False), "utf-8")
    tmp.replace(RECOGNITION_CACHE / f"{key}.json")


async def recognise(items: list[Rendering], audio: list[bytes], settings: Settings, prompt_mode: str,
                    sweep: dict[float, list[Row]] | None = None, use_cache: bool = True) -> list[Row]:
    """Recognise, match and classify every rendering, one at a time (the worker is otherwise idle).

    Each confirmation floor keyed in ``sweep`` classifies the same recognition again into its own rows, so a
    sweep of ``nlu.voice_confirm_floor`` costs one recognition pass.
    """
    from ivr.asr.whisper import WhisperStt
    from ivr.nlu.kb import load_knowledge
    from ivr.nlu.matcher import build_matcher
    from ivr.nlu.nbest import best_reading
    from ivr.nlu.vocabulary import recognition_prompt

    kb = load_knowledge(settings.paths.knowledge_dir)
    matcher = build_matcher(kb, settings.nlu.calibration_file)
    entries = settings.asr.prompt_entries if prompt_mode == "live" else PROMPT_ENTRIES[prompt_mode]
    prompts = {lang: recognition_prompt(kb, lang, entries) for lang in ("fr", "en")}
    stt = WhisperStt(settings)
    keys = [cache_key(pcm, r.question.lang, prompts[r.question.lang], settings) for r, pcm in zip(items, audio,
                                                                                               strict=True)]
    if any(cached_readings(k, use_cache) is None for k in keys):
        stt.warm_up(tuple(sorted({r.question.lang for r in items})))
    rows: list[Row] = []
    try:
        for r, pcm, key in zip(items, audio, keys, strict=True):
            lang = r.question.lang
            cpu0 = time.process_time()
            readings = cached_readings(key, use_cache)
            if readings is None:
                transcript = await stt.transcribe(pcm, lang, prompts[lang])
                readings = (transcript.text, transcript.alternatives)
                store_readings(key, *readings)
            heard_text, alternatives = readings
            cpu = time.process_time() - cpu0
            q = r.question
            voice_floor = settings.nlu.voice_confirm_floor

            def match(t: str, lg: str, floor: float = voice_floor) -> Any:
                return matcher.match(t, lg, confirm_floor=floor)

            text, result = best_reading(match, heard_text, alternatives, lang) \
                if heard_text.strip() else (heard_text, None)
            for floor, floor_rows in (sweep or {}).items():
                if result is None:  # nothing recognised: the same row at every floor (same denominators)
                    floor_rows.append(Row(lang, r.voice.name, r.condition.label, q.expected, q.text, heard_text,
                                          "no_text", None, "right" if q.expected == "OOS" else "abstained",
                                          False, 0.0))
                    continue
                ftext, fres = best_reading(lambda t, lg, f=floor: match(t, lg, f), heard_text,
                                           alternatives, lang)
                floor_rows.append(Row(lang, r.voice.name, r.condition.label, r.question.expected, r.question.text,
                                ftext, str(fres.decision.value), fres.intent, outcome(r.question.expected, fres),
                                bool(fres.candidates) and fres.candidates[0].intent == r.question.expected, 0.0))
            if result is None:  # nothing recognised: the dialog re-prompts
                decision, intent, got, top1 = "no_text", None, ("right" if q.expected == "OOS" else "abstained"), False
            else:
                decision, intent, got = str(result.decision.value), result.intent, outcome(q.expected, result)
                top1 = bool(result.candidates) and result.candidates[0].intent == q.expected
            rows.append(Row(lang, r.voice.name, r.condition.label, q.expected, q.text, text, decision, intent, got,
                            top1, round(cpu, 3)))
    finally:
        await stt.aclose()
    return rows


def _noise(row: Row) -> str:
    """The background-noise part of a condition label (``street12``), or ``quiet``."""
    parts = row.condition.split("-")
    return parts[-1] if parts[-1][:1].isalpha() and len(parts) > 1 and "dB" not in parts[-1] else "quiet"


def report(rows: list[Row], args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Per-language tables, WER and the errors, JSON-ready."""
    out: dict[str, Any] = {"split": args.split, "prompt": args.prompt, "per_question": args.per_question,
                           "asr": {k: getattr(settings.asr, k) for k in (
                               "whisper_model_fr", "whisper_model_en", "beam_size", "adaptive_window",
                               "min_window_s", "no_speech_threshold", "prompt_entries", "repetition_penalty",
                               "no_repeat_ngram_size", "n_best")},
                           "languages": {}}
    for lang in sorted({r.lang for r in rows}):
        rs = [r for r in rows if r.lang == lang]
        out["languages"][lang] = {
            "renderings": len(rs),
            "wer": round(word_error_rate([r.text for r in rs], [r.heard for r in rs], lang), 4),
            "wer_per_voice": {v: round(word_error_rate([r.text for r in rs if r.voice == v],
                                                       [r.heard for r in rs if r.voice == v], lang), 4)
                              for v in sorted({r.voice for r in rs})},
            "wer_per_noise": {n: round(word_error_rate([r.text for r in rs if _noise(r) == n],
                                                       [r.heard for r in rs if _noise(r) == n], lang), 4)
                              for n in sorted({_noise(r) for r in rs})},
            "cpu_s_per_utterance": round(sum(r.cpu_s for r in rs) / len(rs), 3),
            "table": table(rs),
            "errors": [asdict(r) for r in rs if r.outcome in ("wrong", "abstained")][:60],
        }
    return out


def print_report(out: dict[str, Any]) -> None:
    """One table per language: a line per voice, then ``all``."""
    for lang, res in out["languages"].items():
        print(f"\n{lang}: {res['renderings']} renderings, WER {res['wer']:.1%}, "
              f"CPU {res['cpu_s_per_utterance']:.2f} s/utterance (rough: shared machine)")
        print("WER by background noise: " + ", ".join(f"{k} {v:.1%}" for k, v in res["wer_per_noise"].items()))
        print(f"{'voice':<10}{'n':>5}" + "".join(f"{o:>11}" for o in OUTCOMES)
              + f"{'routed':>9}{'top-1':>8}{'OOS abst':>10}{'WER':>8}")
        for name, t in sorted(res["table"].items(), key=lambda kv: (kv[0] == "all", kv[0])):
            wer = res["wer"] if name == "all" else res["wer_per_voice"].get(name, 0.0)
            print(f"{name:<10}{t['in_scope']:>5}" + "".join(f"{t[o]:>11.1%}" for o in OUTCOMES)
                  + f"{t['routed']:>9.1%}{t['top1']:>8.1%}{_rate(t['oos_abstain']):>10}{wer:>8.1%}")


def _rate(value: float | None) -> str:
    """A rate for the tables; a dash when there was nothing to count."""
    return "-" if value is None else f"{value:.1%}"


def main() -> int:
    """Run the spoken evaluation and write ``bench/results/spoken_eval.json``."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=("all", "tune", "test"), default="all")
    p.add_argument("--lang", default="fr,en")
    p.add_argument("--limit", type=int, default=0, help="only the first N renderings per language")
    p.add_argument("--per-question", type=int, default=2, help="renderings (distinct voices) per question")
    p.add_argument("--voices", default="", help="comma list of espeak-ng voices (default: the MBROLA ones)")
    p.add_argument("--beam", type=int, default=0)
    p.add_argument("--min-window", type=float, default=None, help="seconds; 0 = the full 30 s window")
    p.add_argument("--prompt", choices=["live", *PROMPT_ENTRIES], default="live")
    p.add_argument("--no-speech", type=float, default=None, help="asr.no_speech_threshold (1 disables)")
    p.add_argument("--model-en", default="")
    p.add_argument("--n-best", type=int, default=0, help="asr.n_best: beam readings the matcher chooses from")
    p.add_argument("--calls", type=int, default=0, help="also route N French renderings through real calls")
    p.add_argument("--voice-floors", default="",
                   help="comma list of nlu.voice_confirm_floor values to score on the same recognitions")
    p.add_argument("--no-cache", action="store_true",
                   help=f"recognise again instead of reading {RECOGNITION_CACHE} (CPU figures need it)")
    p.add_argument("--out", type=Path, default=RESULTS / "spoken_eval.json")
    args = p.parse_args()
    settings = settings_for(args)
    items = select(args)
    t0 = time.perf_counter()
    audio = render_all(items)
    print(f"rendered {len(items)} utterances in {time.perf_counter() - t0:.0f} s")
    sweep: dict[float, list[Row]] = {float(f): [] for f in args.voice_floors.split(",") if f.strip()}
    rows = asyncio.run(recognise(items, audio, settings, args.prompt, sweep, use_cache=not args.no_cache))
    out = report(rows, args, settings)
    print_report(out)
    if sweep:
        out["voice_floors"] = {}
        print("\nconfirmation floor sweep (same recognitions): routed / confirmed / wrong / OOS abstained")
        for floor, floor_rows in sweep.items():
            for lang in sorted({r.lang for r in floor_rows}):
                t = table([r for r in floor_rows if r.lang == lang])["all"]
                out["voice_floors"].setdefault(lang, {})[f"{floor:.2f}"] = t
                print(f"  {lang} floor {floor:.2f}: routed {t['routed']:.1%}  confirmed {t['confirmed']:.1%}  "
                      f"wrong {t['wrong']:.1%}  OOS abstained {_rate(t['oos_abstain'])}")
    if args.calls:
        from spoken_calls import run_calls  # bench/ is on sys.path as the script's directory

        out["calls"] = asyncio.run(run_calls([r for r in items if r.question.lang == "fr"][: args.calls]))
        print(json.dumps({k: v for k, v in out["calls"].items() if k != "calls"}, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, **out},
                                   ensure_ascii=False, indent=1))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
