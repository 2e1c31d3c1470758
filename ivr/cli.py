"""Command line: ``ivr <command>``. Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ivr.config import Settings, load_settings
from ivr.errors import IvrError

# Each module exposes ``register(subparsers) -> None``; a subcommand sets ``func(settings, args) -> int``.
COMMAND_MODULES: tuple[str, ...] = (
    "ivr.botcommands",
    "ivr.telephony.commands",
    "ivr.probe.commands",
    "ivr.store.commands",
    "ivr.store.figures_cli",
    "ivr.tts.commands",
    "ivr.asr.commands",
    "ivr.cluster.commands",
    "ivr.nlu.commands",
    "ivr.web.commands",
)

Handler = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The full ``ivr`` parser."""
    parser = argparse.ArgumentParser(prog="ivr", description="City-hall voicebot on Asterisk 22")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--home", help="run directory (default: .run in the project)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        module: Any = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(call_ctx)s%(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # every command migrates the database first: Alembic's progress lines only with -v
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    from ivr.logctx import install_log_context

    install_log_context()
    overrides: dict[str, Any] = {"paths": {"home": args.home}} if args.home else {}
    try:
        settings = load_settings(overrides)
        if args.command not in ("up", "down", "status"):
            from ivr.cluster.up import with_cluster_store

            settings = with_cluster_store(settings)
        func: Handler = args.func
        return func(settings, args)
    except IvrError as exc:
        print(f"ivr: error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
