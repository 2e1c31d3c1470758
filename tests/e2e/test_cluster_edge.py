"""The cluster's SIP edge on real processes: Kamailio's dispatcher in front of two media nodes.

Two real Asterisk 22 processes on 127.0.0.11 / 127.0.0.12, each with its own bot (sharing the engines), a
real Kamailio on 127.0.0.1, and SIPp as the carrier on 127.0.0.2 placing calls to the city's number.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from callhelpers import sipp_via_proxy

from ivr.call.events import EventHub, Started
from ivr.cluster.kamailio import KamailioEdge
from ivr.cluster.nodes import node_layer, node_sip_uri
from ivr.config import Settings
from ivr.probe.ports import free_port
from ivr.telephony.asterisk.process import AsteriskProcess
from ivr.testing.lab import isolated_settings

EDGE = "127.0.0.1"
CARRIER = "127.0.0.2"

pytestmark = [pytest.mark.skipif(not Path("/usr/sbin/kamailio").exists(), reason="kamailio not installed")]


@dataclass
class Node:
    settings: Settings
    asterisk: AsteriskProcess
    hub: EventHub
    bot: Any = None

    def calls(self, caller: str | None = None) -> int:
        """Calls the node's bot answered (from ``caller`` only, if given)."""
        return sum(1 for e in self.hub.history
                   if isinstance(e.body, Started) and (caller is None or e.body.number == caller))


@dataclass
class Cluster:
    edge: KamailioEdge
    nodes: list[Node]


async def _wait(check: Any, timeout: float, what: str) -> None:
    """Poll a process's state (Kamailio's probes, a node's death): the only signal these processes give."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(check):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@pytest.fixture
async def cluster(tmp_path: Path, engines: Any) -> AsyncIterator[Cluster]:
    from conftest import OPEN_TIME

    from ivr.app import start_bot
    from ivr.clock import ShiftedClock

    nodes: list[Node] = []
    edge = None
    try:
        for i in range(2):
            settings = isolated_settings(tmp_path / f"node{i}", node_layer(i, EDGE, rtp_base=30000))
            asterisk = AsteriskProcess(settings)
            await asyncio.to_thread(asterisk.start)
            hub = EventHub()
            hub.keep_history = True
            node = Node(settings, asterisk, hub)
            nodes.append(node)
            node.bot = await start_bot(settings, engines, hub=hub, clock=ShiftedClock(OPEN_TIME))
        edge = KamailioEdge(tmp_path / "edge", EDGE, free_port(EDGE, socket.SOCK_DGRAM),
                            [node_sip_uri(n.settings) for n in nodes])
        await asyncio.to_thread(edge.start)
        await _wait(lambda: all(s.active for s in edge.node_states()), 30, "both nodes active at the edge")
        yield Cluster(edge, nodes)
    finally:
        if edge is not None:
            edge.stop()
        for n in nodes:
            if n.bot is not None:
                with contextlib.suppress(Exception):
                    await n.bot.router.drain(3)
                    await n.bot.stop()
            await asyncio.to_thread(n.asterisk.stop)


def _calls(
    cluster: Cluster, n: int, workdir: Path, hold_ms: int = 2000, caller: str = "0600000000"
) -> subprocess.CompletedProcess[str]:
    return sipp_via_proxy(cluster.edge.listen, cluster.edge.port, n, workdir, hold_ms, caller)


async def test_twenty_calls_through_the_edge_land_on_both_nodes(cluster: Cluster, tmp_path: Path) -> None:
    result = await asyncio.to_thread(_calls, cluster, 20, tmp_path / "sipp")
    assert result.returncode == 0, result.stdout[-1500:] + result.stderr[-500:]
    counts = [n.calls() for n in cluster.nodes]
    assert sum(counts) == 20 and min(counts) >= 5, counts


def _failed_calls(result: subprocess.CompletedProcess[str], workdir: Path) -> int:
    stats = (workdir / "stat.csv").read_text().splitlines()
    header, last = stats[0].split(";"), stats[-1].split(";")
    return int(last[header.index("FailedCall(C)")])


async def test_a_node_killed_mid_run_loses_its_calls_and_the_other_takes_the_new_ones(
    cluster: Cluster, tmp_path: Path
) -> None:
    dead, alive = cluster.nodes
    running = asyncio.ensure_future(asyncio.to_thread(_calls, cluster, 8, tmp_path / "first", 15000))
    await _wait(lambda: dead.calls() + alive.calls() == 8, 60, "the 8 calls up on the nodes")
    assert dead.calls() >= 2 and alive.calls() >= 2
    on_dead = dead.calls()
    pid = dead.asterisk.proc.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await _wait(lambda: [s.active for s in cluster.edge.node_states()
                         if s.uri == node_sip_uri(dead.settings)] == [False], 10, "the edge to take the node out")
    second = await asyncio.to_thread(_calls, cluster, 6, tmp_path / "second", 2000, "0622222222")
    assert second.returncode == 0, second.stdout[-1500:]
    assert alive.calls("0622222222") == 6
    first = await running
    # honest accounting: a call whose Asterisk died is lost (the carrier's BYE gets no answer); the others end well
    assert _failed_calls(first, tmp_path / "first") == on_dead
