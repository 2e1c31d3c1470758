"""``ivr up --nodes 2 --detach`` on real processes: the whole cluster comes up, takes calls on both nodes, goes down.

Run as a user would, through the CLI in subprocesses, with its own home and free ports (nodes on 127.0.0.11
and 127.0.0.12 reuse the same port numbers on their own addresses).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from callhelpers import sipp_via_proxy

from ivr.probe.ports import free_port

pytestmark = [pytest.mark.skipif(not Path("/usr/sbin/kamailio").exists(), reason="kamailio not installed")]


def _ivr(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ivr", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _free_everywhere(kind: int) -> int:
    """A port free on the edge's and both nodes' addresses."""
    while True:
        port = free_port("127.0.0.1", kind)
        try:
            for host in ("127.0.0.11", "127.0.0.12"):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind((host, port))
        except OSError:
            continue
        return port


def test_ivr_up_nodes_brings_the_cluster_up_and_down(tmp_path: Path) -> None:
    home = tmp_path / "home"
    pg_dir = Path(tempfile.mkdtemp(prefix="ivr-cluster-pg-"))  # pytest's tmp dirs are closed to 'postgres'
    pg_dir.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_PATHS__HOME=str(home),
        IVR_ASTERISK__SIP_PORT=str(_free_everywhere(socket.SOCK_DGRAM)),
        IVR_ASTERISK__ARI_PORT=str(_free_everywhere(socket.SOCK_STREAM)),
        IVR_ASTERISK__AMI_PORT=str(_free_everywhere(socket.SOCK_STREAM)),
        IVR_ASTERISK__AUDIOSOCKET_PORT=str(_free_everywhere(socket.SOCK_STREAM)),
        IVR_WEB__PORT=str(free_port()),
        IVR_CLUSTER__PG_PORT=str(free_port()),
        IVR_CLUSTER__PG_DIR=str(pg_dir),
    )
    try:
        up = _ivr(env, "up", "--nodes", "2", "--detach", timeout=600)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-3000:]
        status = _ivr(env, "status", "--json")
        rows = json.loads(status.stdout)["cluster"]
        assert status.returncode == 0, rows
        assert [r["component"] for r in rows] == ["postgresql", "edge", "node-1 asterisk", "node-1 voicebot",
                                                  "node-2 asterisk", "node-2 voicebot", "queue asterisk",
                                                  "web"]
        assert all(r["healthy"] and r["pid"] for r in rows), rows
        edge = rows[1]
        assert sorted(n["uri"] for n in edge["nodes"] if n["active"]) == [
            f"sip:127.0.0.1{i}:{env['IVR_ASTERISK__SIP_PORT']}" for i in (1, 2)]

        host, _, port = edge["address"].rpartition(":")
        calls = sipp_via_proxy(host, int(port), 4, tmp_path / "sipp")
        assert calls.returncode == 0, calls.stdout[-1500:]
        listed = _ivr(env, "calls", "list", "--json", "--limit", "10")
        assert listed.returncode == 0, listed.stderr[-2000:]
        assert sorted({c["node"] for c in json.loads(listed.stdout)}) == ["node-1", "node-2"]
    finally:
        down = _ivr(env, "down", timeout=180)
        shutil.rmtree(pg_dir, ignore_errors=True)
    assert down.returncode == 0, down.stderr[-2000:]
    for part in ("web", "edge", "node-1 voicebot", "node-1 asterisk", "node-2 voicebot", "node-2 asterisk",
                 "queue asterisk", "postgresql"):
        assert part in down.stdout
    after = _ivr(env, "status", "--json")
    assert after.returncode == 1
