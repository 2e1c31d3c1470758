"""``ivr up|down|status|serve|asterisk|call``."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the telephony subcommands."""
    from ivr.telephony import cli_impl as impl

    p = sub.add_parser("up", help="start Asterisk + the voicebot")
    p.add_argument("--detach", action="store_true", help="return once both are ready")
    p.add_argument("--nodes", type=int, default=0,
                   help="a cluster on this machine: Kamailio edge + N media nodes + PostgreSQL + web front")
    p.set_defaults(func=impl.cmd_up)

    p = sub.add_parser("down", help="stop everything `up` started (by PID)")
    p.set_defaults(func=impl.cmd_down)

    p = sub.add_parser("status", help="what is running")
    p.add_argument("--json", action="store_true", help="machine-readable, with the bot's calls, ASR backlog "
                   "and event-loop lag")
    p.set_defaults(func=impl.cmd_status)

    p = sub.add_parser("serve", help="run the voicebot (ARI app + web) in the foreground")
    p.set_defaults(func=impl.cmd_serve)

    ast = sub.add_parser("asterisk", help="the local Asterisk 22").add_subparsers(dest="asterisk_cmd", required=True)
    ast.add_parser("provision", help="install Asterisk 22 into the project prefix").set_defaults(
        func=impl.cmd_asterisk_provision
    )
    ast.add_parser("start", help="render config and start Asterisk").set_defaults(func=impl.cmd_asterisk_start)
    ast.add_parser("stop", help="stop Asterisk").set_defaults(func=impl.cmd_asterisk_stop)
    ast.add_parser("render", help="render the config templates only").set_defaults(func=impl.cmd_asterisk_render)
    p = ast.add_parser("cli", help="run an Asterisk CLI command")
    p.add_argument("cli_command")
    p.set_defaults(func=impl.cmd_asterisk_cli)

    p = sub.add_parser("call", help="place a real SIP call to the city's number from 127.0.0.2")
    p.add_argument("--wav", required=True, help="what the caller says (wav, any rate)")
    p.add_argument("--record", help="write what the caller hears to this wav")
    p.add_argument("--seconds", type=float, default=20.0, help="call length")
    p.add_argument("--number", help="number dialled (default: the configured DID)")
    p.add_argument("--delay", type=float, default=0.0, help="silence before the wav starts")
    p.add_argument("--dtmf", default="", help="keys to press, as 'DIGITS@SECONDS' (e.g. 0@6)")
    p.set_defaults(func=impl.cmd_call)

