"""``ivr up|down|status|serve``: the bot as a running service (Asterisk plus the voicebot process).

Not in ``telephony/``: serving starts the whole bot (:mod:`ivr.app`), which knows every package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
from typing import Any

from ivr.config import Settings
from ivr.telephony.asterisk.process import AsteriskProcess, ManagedProcess, wait_until


def register(sub: Any) -> None:
    """Add ``up``, ``down``, ``status`` and ``serve``."""
    p = sub.add_parser("up", help="start Asterisk + the voicebot")
    p.add_argument("--detach", action="store_true", help="return once both are ready")
    p.add_argument("--nodes", type=int, default=0,
                   help="a cluster on this machine: Kamailio edge + N media nodes + PostgreSQL + web front")
    p.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop everything `up` started (by PID)").set_defaults(func=cmd_down)
    p = sub.add_parser("status", help="what is running")
    p.add_argument("--json", action="store_true", help="machine-readable, with the bot's calls, ASR backlog "
                   "and event-loop lag")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("serve", help="run the voicebot (ARI app + web) in the foreground")
    p.set_defaults(func=cmd_serve)


def bot_process(settings: Settings) -> ManagedProcess:
    """The voicebot started by ``ivr up --detach``."""
    home = settings.paths.home
    return ManagedProcess("voicebot", home / "voicebot.pid", home / "log" / "voicebot.log")


def _where_to_call(settings: Settings) -> str:
    a = settings.asterisk
    return (
        f"Call sip:{a.did}@{a.bind}:{a.sip_port} from {', '.join(a.trunk_match)} (the trunk), e.g.\n"
        f"  ivr call --wav question.wav --record heard.wav\n"
        f"Agents register as {', '.join(a.agents)} on {a.bind}:{a.sip_port} "
        f"(password in {settings.paths.home / 'secrets.toml'})\n"
        f"Web: http://{settings.web.host}:{settings.web.port}/ (chat /chat, agents /agent, "
        f"supervisors /supervisor, admins /admin)"
    )


def _cluster_up(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.cluster import up as cluster

    m = cluster.up(settings, args.nodes)
    print(f"cluster up: edge (Kamailio) on {m.edge_address}, {len(m.nodes)} media node(s), "
          f"PostgreSQL on 127.0.0.1:{m.pg_port}, web front on {m.web_url}")
    print(f"Call sip:{settings.asterisk.did}@{m.edge_address} from the trunk; `ivr status --json` shows every part")
    if args.detach:
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    print("stopped: " + ", ".join(cluster.down(settings)))
    return 0


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    """Start Asterisk and the voicebot (or a whole cluster with ``--nodes N``)."""
    if getattr(args, "nodes", 0):
        return _cluster_up(settings, args)
    ast = AsteriskProcess(settings)
    ast.start()
    print(f"Asterisk 22 running (pid {ast.proc.pid()})")
    if not args.detach:
        print(_where_to_call(settings))
        try:
            return cmd_serve(settings, args)
        finally:
            ast.stop()
    bot = bot_process(settings)
    env = dict(os.environ, IVR_PATHS__HOME=str(settings.paths.home))
    bot.start([sys.executable, "-m", "ivr", "serve"], env=env)
    wait_until(ast.app_registered, 120, "voicebot (Stasis app registration)", bot)
    print(f"voicebot running (pid {bot.pid()})")
    print(_where_to_call(settings))
    return 0


def cmd_down(settings: Settings, args: argparse.Namespace) -> int:
    """Stop what ``up`` started."""
    from ivr.cluster import up as cluster

    if cluster.read_manifest(settings) is not None:
        print("cluster stopped: " + (", ".join(cluster.down(settings)) or "nothing was running"))
        return 0
    stopped_bot = bot_process(settings).stop()
    stopped_ast = AsteriskProcess(settings).stop()
    print(f"voicebot: {'stopped' if stopped_bot else 'not running'}; "
          f"asterisk: {'stopped' if stopped_ast else 'not running'}")
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Print what is running."""
    from ivr.cluster import up as cluster

    if cluster.read_manifest(settings) is not None:
        rows = cluster.status(settings)
        if getattr(args, "json", False):
            print(json.dumps({"cluster": rows}))
        else:
            for r in rows:
                print(f"{r['component']:<20} {r['address']:<28} pid {r['pid'] or '-':<8} "
                      f"{'healthy' if r['healthy'] else 'DOWN'}")
        return 0 if all(r["healthy"] for r in rows) else 1
    from ivr.runtime.status import read_status, status_path

    ast = AsteriskProcess(settings)
    bot = bot_process(settings)
    runtime = read_status(status_path(settings.paths.home))
    detached = bot.pid()
    # `make run` / `ivr serve` run in the foreground without a pid file: their fresh runtime.json counts
    bpid = detached or foreground_pid(runtime)
    apid = ast.proc.pid()
    if getattr(args, "json", False):
        print(json.dumps({"asterisk": {"pid": apid, "ari_ready": bool(apid and ast.ari_ready())},
                          "voicebot": {"pid": bpid, "foreground": bool(bpid and not detached),
                                       "runtime": runtime}}))
        return 0 if apid and bpid else 1
    print(f"asterisk: {'running pid ' + str(apid) if apid else 'stopped'}"
          f"{' (ARI ready)' if apid and ast.ari_ready() else ''}")
    print(f"voicebot: {'running pid ' + str(bpid) if bpid else 'stopped'}"
          f"{' in the foreground' if bpid and not detached else ''}"
          f"{' (Stasis app registered)' if apid and ast.app_registered() else ''}")
    return 0 if apid and bpid else 1


def foreground_pid(runtime: dict[str, Any] | None) -> int | None:
    """The pid in a fresh runtime status, if that process is alive (a bot serving in the foreground)."""
    if not runtime or not isinstance(runtime.get("pid"), int):
        return None
    pid = int(runtime["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, owned by someone else
        return pid
    return pid


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the voicebot in the foreground."""
    from ivr.app import run_app

    asyncio.run(run_app(settings))
    return 0
