"""What the Kamailio edge adds to call setup: INVITE -> 200 OK, straight to a media node vs through the edge.

One media node (a real Asterisk 22 + the bot in-process), a real Kamailio in front of it, and SIPp as the
carrier placing calls one at a time (no audio: the bot answers as soon as the call reaches it), alternately
direct and through the edge, so both see the same machine load. SIPp measures each call's response time
(``rtd`` on the 200 OK); the edge's overhead is the difference of the medians. Prints a table and writes
``bench/results/cluster_setup.json``.

    .venv/bin/python bench/cluster_setup.py [--calls 40]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import OPEN_TIME, RESULTS  # noqa: E402
from ivr.call.events import EventHub  # noqa: E402
from ivr.clock import ShiftedClock  # noqa: E402
from ivr.cluster.kamailio import KamailioEdge  # noqa: E402
from ivr.cluster.nodes import node_layer, node_sip_uri  # noqa: E402
from ivr.probe.ports import free_port  # noqa: E402
from ivr.telephony.asterisk.process import AsteriskProcess  # noqa: E402
from ivr.testing.lab import isolated_settings  # noqa: E402

SCENARIO = ROOT / "tests" / "data" / "sipp" / "uac_via_proxy.xml"
CARRIER = "127.0.0.2"


def _setup_ms(host: str, port: int, workdir: Path) -> float:
    """One call's INVITE -> 200 OK time in ms (SIPp's response-time measure)."""
    workdir.mkdir(parents=True, exist_ok=True)
    local = free_port(CARRIER, socket.SOCK_DGRAM)
    run = subprocess.run(
        ["sipp", "-sf", str(SCENARIO), f"{host}:{port}", "-s", "3939", "-key", "caller", "0600000000",
         "-i", CARRIER, "-p", str(local), "-m", "1", "-d", "500", "-trace_rtt", "-rtt_freq", "1",
         "-timeout", "30", "-timeout_error", "-nostdin"],
        capture_output=True, text=True, cwd=workdir, timeout=60, check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"call failed: {run.stdout[-800:]}")
    rtt = next(workdir.glob("*_rtt.csv"))
    rows = list(csv.reader(rtt.open(), delimiter=";"))
    value = float(rows[-1][1])  # Date_ms;response_time_ms;rtd_no
    rtt.unlink()
    return value


async def main(calls: int) -> dict[str, object]:
    from ivr.app import build_engines, start_bot

    with tempfile.TemporaryDirectory(prefix="ivr-bench-cluster-") as tmp:
        home = Path(tmp)
        layer = node_layer(0, "127.0.0.1")
        layer["asterisk"]["trunk_match"] = ["127.0.0.1", CARRIER]  # the edge, and the carrier for direct calls
        layer["sms"] = {"gateway": "none"}
        settings = isolated_settings(home / "node", layer)
        engines = await asyncio.to_thread(build_engines, settings, warm=True)
        asterisk = AsteriskProcess(settings)
        await asyncio.to_thread(asterisk.start)
        edge = KamailioEdge(home / "edge", "127.0.0.1", free_port("127.0.0.1", socket.SOCK_DGRAM),
                            [node_sip_uri(settings)], debug=0)
        hub = EventHub()
        bot = await start_bot(settings, engines, hub=hub, clock=ShiftedClock(OPEN_TIME))
        try:
            await asyncio.to_thread(edge.start)
            node_host, node_port = settings.asterisk.sip_bind or settings.asterisk.bind, settings.asterisk.sip_port
            direct: list[float] = []
            via: list[float] = []
            await asyncio.to_thread(_setup_ms, edge.listen, edge.port, home / "warm")  # warm-up, not counted
            for i in range(calls):
                direct.append(await asyncio.to_thread(_setup_ms, node_host, node_port, home / f"d{i}"))
                via.append(await asyncio.to_thread(_setup_ms, edge.listen, edge.port, home / f"e{i}"))
        finally:
            edge.stop()
            await bot.router.drain(3)
            await bot.stop()
            await asyncio.to_thread(asterisk.stop)

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {"p50_ms": round(statistics.median(ordered), 2),
                "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 2),
                "mean_ms": round(statistics.fmean(ordered), 2)}

    result: dict[str, object] = {
        "calls_each": calls, "direct": summary(direct), "through_edge": summary(via),
        "edge_overhead_p50_ms": round(statistics.median(via) - statistics.median(direct), 2),
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    out = asyncio.run(main(args.calls))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cluster_setup.json").write_text(json.dumps(out, indent=2))
    d, e = out["direct"], out["through_edge"]
    print(f"call setup (INVITE -> 200 OK), {args.calls} calls each")
    print(f"  direct to the node : p50 {d['p50_ms']} ms  p95 {d['p95_ms']} ms")  # type: ignore[index]
    print(f"  through Kamailio   : p50 {e['p50_ms']} ms  p95 {e['p95_ms']} ms")  # type: ignore[index]
    print(f"  edge overhead (p50): {out['edge_overhead_p50_ms']} ms")
