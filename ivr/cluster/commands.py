"""``ivr edge render|run``: the cluster's Kamailio edge on a real deployment (systemd, containers)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ivr.cluster.kamailio import KamailioEdge, kamailio_binary
from ivr.config import Settings


def register(sub: Any) -> None:
    """Add the ``edge`` subcommands."""
    edge = sub.add_parser("edge", help="the cluster's SIP edge (Kamailio dispatcher)").add_subparsers(
        dest="edge_cmd", required=True)
    for name, func, what in (("render", cmd_render, "write kamailio.cfg and dispatcher.list"),
                             ("run", cmd_run, "render, then run Kamailio in the foreground")):
        p = edge.add_parser(name, help=what)
        p.add_argument("--node", action="append", required=True,
                       help="a media node's SIP address, e.g. sip:10.0.0.11:5060 (repeat for each node)")
        p.add_argument("--listen", help="address the carrier trunk points at (default: asterisk.bind)")
        p.add_argument("--port", type=int, help="SIP port (default: asterisk.sip_port)")
        p.add_argument("--run-dir", help="where the rendered files live (default: <home>/edge)")
        p.set_defaults(func=func)


def _edge(settings: Settings, args: argparse.Namespace) -> KamailioEdge:
    run_dir = Path(args.run_dir) if args.run_dir else settings.paths.home / "edge"
    return KamailioEdge(run_dir, args.listen or settings.asterisk.bind, args.port or settings.asterisk.sip_port,
                        list(args.node), template_dir=settings.paths.asterisk_conf_dir / "kamailio")


def cmd_render(settings: Settings, args: argparse.Namespace) -> int:
    """Render and check the configuration."""
    print(f"rendered and checked {_edge(settings, args).render()}")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Render, then replace this process with Kamailio (signals and exit status are Kamailio's own)."""
    edge = _edge(settings, args)
    config = edge.render()
    kamailio = kamailio_binary()
    os.execv(kamailio, [kamailio, "-f", str(config), "-DD", "-E", "-Y", str(edge.run_dir), "-w", str(edge.run_dir)])
