"""``ivr kb``: lint, ask, eval, calibrate and vocab on the knowledge base."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ivr.config import Settings
from ivr.nlu.model import KnowledgeBase, Severity
from ivr.nlu.types import Decision, MatchResult


def register(subparsers: Any) -> None:
    """Add ``ivr kb ...``."""
    kb = subparsers.add_parser("kb", help="knowledge base: lint, ask, eval, calibrate")
    sub = kb.add_subparsers(dest="kb_command", required=True)

    lint = sub.add_parser("lint", help="check the knowledge files (exit 1 on errors)")
    lint.add_argument("dir", nargs="?", type=Path, help="knowledge directory (default: settings)")
    lint.set_defaults(func=cmd_lint)

    ask = sub.add_parser("ask", help="ask the matcher a question")
    ask.add_argument("question", nargs="*", help="the question (or use --jsonl and stdin)")
    ask.add_argument("--lang", choices=("fr", "en"), default="fr")
    ask.add_argument("--jsonl", action="store_true", help="read one question per line on stdin, write JSON lines")
    _kb_options(ask)
    ask.set_defaults(func=cmd_ask)

    ev = sub.add_parser("eval", help="evaluate the matcher on a TSV file (lang, expected, text)")
    ev.add_argument("file", type=Path)
    ev.add_argument("--json", type=Path, dest="json_out", help="also write the figures as JSON")
    _kb_options(ev)
    ev.set_defaults(func=cmd_eval)

    cal = sub.add_parser("calibrate", help="fit weights and thresholds by cross-validation on the utterances")
    cal.add_argument("--out", type=Path, help="calibration file (default: settings.nlu.calibration_file)")
    cal.add_argument("--trade-off", type=Path, help="also write turns added vs wrong answers per band (JSON)")
    cal.add_argument("--dir", type=Path, help="knowledge directory (default: settings)")
    cal.set_defaults(func=cmd_calibrate)

    voc = sub.add_parser("vocab", help="print the city-specific words used to bias recognition")
    voc.add_argument("--lang", choices=("fr", "en"), default="fr")
    voc.add_argument("--dir", type=Path, help="knowledge directory (default: settings)")
    voc.set_defaults(func=cmd_vocab)


def _kb_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, help="knowledge directory (default: settings)")
    parser.add_argument("--calibration", type=Path, help="calibration file (default: settings)")


def _single_thread() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _knowledge(settings: Settings, args: argparse.Namespace) -> KnowledgeBase:
    from ivr.nlu.kb import load_knowledge_with_warnings

    directory = getattr(args, "dir", None) or settings.paths.knowledge_dir
    kb, issues = load_knowledge_with_warnings(directory)
    if issues:
        print(f"{directory}: {len(issues)} warning(s), see `ivr kb lint`", file=sys.stderr)
    return kb


def cmd_lint(settings: Settings, args: argparse.Namespace) -> int:
    """Print ``file:line: field: message`` for each problem; exit 1 if any is an error."""
    from ivr.nlu.kb import lint_knowledge

    directory: Path = args.dir or settings.paths.knowledge_dir
    issues = lint_knowledge(directory)
    for issue in issues:
        print(issue.format())
    errors = sum(i.severity is Severity.ERROR for i in issues)
    warnings = len(issues) - errors
    print(f"{directory}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def _result_json(kb: KnowledgeBase, res: MatchResult, question: str | None = None) -> dict[str, Any]:
    answer: str | None = None
    if res.intent is not None and res.decision in (Decision.ANSWER, Decision.EMERGENCY):
        intent = kb.intents.get(res.intent)
        if intent is not None and res.lang in intent.answers:
            answer = intent.answers[res.lang].voice
    out: dict[str, Any] = {}
    if question is not None:
        out["question"] = question
    out.update({
        "intent": res.intent,
        "decision": res.decision.value,
        "score": round(res.score, 4),
        "lang": res.lang,
        "answer": answer,
        "candidates": [{"intent": c.intent, "score": round(c.score, 4)} for c in res.candidates],
    })
    return out


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer questions from the command line or, with ``--jsonl``, from stdin."""
    _single_thread()
    from ivr.nlu.matcher import build_matcher

    kb = _knowledge(settings, args)
    matcher = build_matcher(kb, args.calibration or settings.nlu.calibration_file)
    if args.jsonl:
        for line in sys.stdin:
            question = line.strip()
            if question:
                res = matcher.match(question, args.lang)
                print(json.dumps(_result_json(kb, res, question), ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.question).strip()
    if not question:
        print("ivr kb ask: give a question, or --jsonl to read them from stdin", file=sys.stderr)
        return 2
    data = _result_json(kb, matcher.match(question, args.lang))
    print(f"{data['decision']}: {data['intent']} ({data['score']:.3f})")
    if data["answer"]:
        print(data["answer"])
    for cand in data["candidates"]:
        print(f"  {cand['score']:.3f}  {cand['intent']}")
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Print the evaluation table; optionally write it as JSON."""
    _single_thread()
    from ivr.nlu.evaluate import evaluate, format_report, read_eval
    from ivr.nlu.matcher import build_matcher

    kb = _knowledge(settings, args)
    matcher = build_matcher(kb, args.calibration or settings.nlu.calibration_file)
    report, _ = evaluate(matcher, read_eval(args.file))
    print(format_report(report))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    return 0


def cmd_calibrate(settings: Settings, args: argparse.Namespace) -> int:
    """Fit and write the calibration file."""
    _single_thread()
    from ivr.nlu.calibration import save_calibration
    from ivr.nlu.encoder import default_encoder
    from ivr.nlu.fit import calibrate

    kb = _knowledge(settings, args)
    fit = calibrate(kb, default_encoder())
    out: Path = args.out or settings.nlu.calibration_file
    comment = "\n".join(
        f"cross-validated {lang}: " + ", ".join(f"{k} {v * 100:.1f}%" for k, v in stats.items())
        for lang, stats in fit.report.items()
    )
    save_calibration(fit.calibration, out, comment)
    if args.trade_off:
        args.trade_off.parent.mkdir(parents=True, exist_ok=True)
        data = {"knowledge_version": kb.version, "cross_validated": fit.report, "trade_off": fit.trade_off}
        args.trade_off.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    print(comment)
    return 0


def cmd_vocab(settings: Settings, args: argparse.Namespace) -> int:
    """Print the recognition-biasing vocabulary, one entry per line."""
    from ivr.nlu.vocabulary import vocabulary

    kb = _knowledge(settings, args)
    for word in vocabulary(kb, lang=args.lang):
        print(word)
    return 0
