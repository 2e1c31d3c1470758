"""A cluster on this machine for tests and benchmarks: ``ivr up --nodes N`` in its own home, ports and database.

The ``ivr`` CLI, ports free on every node's address, the environment of a run, and a knowledge base open
around the clock (the cluster's processes run on the real clock, and a test or a bench runs at any hour).
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

import yaml

from ivr.config import PROJECT_ROOT, Settings
from ivr.probe.ports import free_port

EDGE = "127.0.0.1"
QUEUE_NODE = "127.0.0.10"


def media_node(index: int) -> str:
    """Address of media node ``index`` (0-based), as ``ivr up`` binds it."""
    return f"127.0.0.{11 + index}"


def ivr_cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ivr`` with ``env``."""
    return subprocess.run([sys.executable, "-m", "ivr", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def free_everywhere(kind: int, nodes: int) -> int:
    """A port free on the edge's, the queue node's and the ``nodes`` media nodes' addresses."""
    while True:
        port = free_port(EDGE, kind)
        try:
            for host in (QUEUE_NODE, *(media_node(i) for i in range(nodes))):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind((host, port))
        except OSError:
            continue
        return port


def pg_dir() -> Path:
    """PostgreSQL's data directory: pytest's tmp dirs are closed to the 'postgres' user."""
    path = Path(tempfile.mkdtemp(prefix="ivr-cluster-pg-"))
    path.chmod(0o755)
    return path


def always_open_knowledge(target: Path) -> Path:
    """The city's knowledge base with every service open around the clock (the test runs at any hour)."""
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    services = yaml.safe_load((target / "services.yaml").read_text(encoding="utf-8"))
    for service in services.values():
        service["hours"] = {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        service["closures"] = []
    (target / "services.yaml").write_text(yaml.safe_dump(services, allow_unicode=True), encoding="utf-8")
    return target


def cluster_env(tmp_path: Path, pg: Path, nodes: int, **extra: str) -> dict[str, str]:
    """The environment of ``ivr up --nodes N`` for a test: its own home, ports, database, open services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_PATHS__HOME=str(tmp_path / "home"),
        IVR_ASTERISK__SIP_PORT=str(free_everywhere(socket.SOCK_DGRAM, nodes)),
        IVR_ASTERISK__ARI_PORT=str(free_everywhere(socket.SOCK_STREAM, nodes)),
        IVR_ASTERISK__AMI_PORT=str(free_everywhere(socket.SOCK_STREAM, nodes)),
        IVR_ASTERISK__AUDIOSOCKET_PORT=str(free_everywhere(socket.SOCK_STREAM, nodes)),
        IVR_WEB__PORT=str(free_port()),
        IVR_CLUSTER__PG_PORT=str(free_port()),
        IVR_CLUSTER__PG_DIR=str(pg),
        IVR_PATHS__KNOWLEDGE_DIR=str(always_open_knowledge(tmp_path / "knowledge")),
        **extra,
    )
    return env


def database_url(env: dict[str, str]) -> str:
    """The running cluster's PostgreSQL (from its manifest)."""
    manifest = Path(env["IVR_PATHS__HOME"]) / "cluster" / "cluster.json"
    return str(json.loads(manifest.read_text())["database_url"])


def queue_settings(env: dict[str, str]) -> Settings:
    """The queue node's settings, as ``ivr up`` wrote them in the cluster's home."""
    from ivr.cluster.up import component_settings

    return component_settings(Path(env["IVR_PATHS__HOME"]) / "cluster" / "queue")
