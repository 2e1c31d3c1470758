"""``ivr call``: place a real SIP call to the city's number from 127.0.0.2 and print what happened."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from ivr.config import Settings
from ivr.errors import TelephonyError


def register(sub: Any) -> None:
    """Add ``call``."""
    p = sub.add_parser("call", help="place a real SIP call to the city's number from 127.0.0.2")
    p.add_argument("--wav", required=True, help="what the caller says (wav, any rate)")
    p.add_argument("--record", help="write what the caller hears to this wav")
    p.add_argument("--seconds", type=float, default=20.0, help="call length")
    p.add_argument("--number", help="number dialled (default: the configured DID)")
    p.add_argument("--delay", type=float, default=0.0, help="silence before the wav starts")
    p.add_argument("--dtmf", default="", help="keys to press, as 'DIGITS@SECONDS' (e.g. 0@6)")
    p.set_defaults(func=cmd_call)


def cmd_call(settings: Settings, args: argparse.Namespace) -> int:
    """Place a real SIP call and print its events."""
    from ivr.probe.call import ProbeCall, parse_dtmf_plan

    number = args.number or settings.asterisk.did
    with tempfile.TemporaryDirectory(prefix="ivr-call-") as tmp:
        call = ProbeCall(
            settings, Path(tmp), wav=Path(args.wav), seconds=args.seconds, delay=args.delay,
            dtmf=parse_dtmf_plan(args.dtmf),
        )
        t0 = time.monotonic()
        result = asyncio.run(call.run(number))
        for ev in result.events:
            print(f"{ev.at:6.2f}s  {ev.type}{('  ' + ev.param) if ev.param else ''}")
        if args.record:
            if result.heard is None:
                raise TelephonyError("the call produced no recording")
            Path(args.record).write_bytes(result.heard.read_bytes())
            print(f"recorded what the caller heard: {args.record} ({result.heard_seconds:.1f} s, "
                  f"{result.heard_voiced_seconds:.1f} s of sound)")
        print(f"call lasted {time.monotonic() - t0:.1f} s")
        return 0 if result.established else 1
