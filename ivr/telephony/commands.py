"""``ivr asterisk provision|start|stop|render|cli``: the local Asterisk 22."""

from __future__ import annotations

import argparse
from typing import Any

from ivr.config import Settings
from ivr.telephony.asterisk.process import AsteriskProcess
from ivr.telephony.asterisk.render import render_config


def register(sub: Any) -> None:
    """Add the ``asterisk`` subcommands."""
    ast = sub.add_parser("asterisk", help="the local Asterisk 22").add_subparsers(dest="asterisk_cmd", required=True)
    ast.add_parser("provision", help="install Asterisk 22 into the project prefix").set_defaults(
        func=cmd_asterisk_provision
    )
    ast.add_parser("start", help="render config and start Asterisk").set_defaults(func=cmd_asterisk_start)
    ast.add_parser("stop", help="stop Asterisk").set_defaults(func=cmd_asterisk_stop)
    ast.add_parser("render", help="render the config templates only").set_defaults(func=cmd_asterisk_render)
    p = ast.add_parser("cli", help="run an Asterisk CLI command")
    p.add_argument("cli_command")
    p.set_defaults(func=cmd_asterisk_cli)


def cmd_asterisk_provision(settings: Settings, args: argparse.Namespace) -> int:
    """Install Asterisk into the prefix."""
    AsteriskProcess(settings).provision()
    return 0


def cmd_asterisk_start(settings: Settings, args: argparse.Namespace) -> int:
    """Start Asterisk."""
    pid = AsteriskProcess(settings).start()
    print(f"Asterisk running (pid {pid})")
    return 0


def cmd_asterisk_stop(settings: Settings, args: argparse.Namespace) -> int:
    """Stop Asterisk."""
    print("stopped" if AsteriskProcess(settings).stop() else "not running")
    return 0


def cmd_asterisk_render(settings: Settings, args: argparse.Namespace) -> int:
    """Render the configuration."""
    layout = render_config(settings)
    print(f"rendered into {layout.etc}")
    return 0


def cmd_asterisk_cli(settings: Settings, args: argparse.Namespace) -> int:
    """Run a CLI command."""
    print(AsteriskProcess(settings).cli(args.cli_command), end="")
    return 0
