"""``ivr up --nodes N``: a whole cluster on one machine, for trying the design and for its tests.

Kamailio on the city number's address (``asterisk.bind:sip_port``, 127.0.0.1:5060 by default), N media nodes on
127.0.0.11, .12, … (each an Asterisk 22 + ``ivr serve`` with its own home under ``<home>/cluster/node-i``), a
PostgreSQL in ``<home>/cluster/pg`` shared by all, and one web front (``ivr web``). A manifest
(``cluster.json``) tells ``ivr down`` and ``ivr status`` what runs where.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ivr.cluster.kamailio import KamailioEdge
from ivr.cluster.nodes import node_layer, node_settings, node_sip_uri
from ivr.cluster.postgres import PostgresServer
from ivr.cluster.queuenode import QUEUE_NODE_ADDRESS, media_role_layer, queue_node_layer
from ivr.config import Settings, merge_layers
from ivr.telephony.asterisk.process import AsteriskProcess, ManagedProcess, wait_until

MANIFEST = "cluster.json"


@dataclass
class Manifest:
    """What ``ivr up --nodes`` started (read back by ``down`` and ``status``)."""

    nodes: list[str] = field(default_factory=list)
    """Node homes."""
    edge: str = ""
    edge_address: str = ""
    database_url: str = ""
    pg_root: str = ""
    pg_port: int = 0
    queue: str = ""
    """Queue node home."""
    web: str = ""
    """Web front home."""
    web_url: str = ""


def cluster_root(settings: Settings) -> Path:
    """Where the cluster's processes keep their state."""
    return settings.paths.home / "cluster"


def _toml(layer: dict[str, Any]) -> str:
    """A settings layer as TOML (strings, numbers, booleans and lists of strings are all a layer holds)."""
    out: list[str] = []
    for section, values in layer.items():
        out.append(f"[{section}]")
        for key, value in values.items():
            out.append(f"{key} = {json.dumps(value) if not isinstance(value, bool) else str(value).lower()}")
        out.append("")
    return "\n".join(out)


def _process(home: Path, name: str) -> ManagedProcess:
    return ManagedProcess(name, home / f"{name}.pid", home / "log" / f"{name}.log")


def _prepare_home(settings: Settings, home: Path, layer: dict[str, Any]) -> None:
    """A component's home: its settings layer, and the cluster's one set of secrets (ARI, AMI, agents, web)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "ivr.toml").write_text(_toml(layer))
    secrets = home / "secrets.toml"
    shutil.copy2(settings.paths.home / "secrets.toml", secrets)
    secrets.chmod(0o600)


def _spawn_ivr(home: Path, name: str, argv: list[str]) -> ManagedProcess:
    proc = _process(home, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(IVR_PATHS__HOME=str(home), IVR_CONFIG=str(home / "ivr.toml"))
    proc.start([sys.executable, "-m", "ivr", *argv], env=env)
    return proc


def up(settings: Settings, nodes: int) -> Manifest:
    """Start the database, the media nodes, the edge and the web front; return the manifest."""
    root = cluster_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    edge_address, edge_port = settings.asterisk.sip_bind or settings.asterisk.bind, settings.asterisk.sip_port
    pg = PostgresServer(Path(settings.cluster.pg_dir) if settings.cluster.pg_dir else root / "pg",
                        settings.cluster.pg_port)
    pg.start()
    url = pg.url()
    manifest = Manifest(edge_address=f"{edge_address}:{edge_port}", database_url=url, pg_root=str(pg.root),
                        pg_port=pg.port)
    # one database, and the knowledge directory this home is configured with (nodes then follow publishes)
    shared = {"store": {"url": url}, "paths": {"knowledge_dir": str(settings.paths.knowledge_dir)}}
    a = settings.asterisk  # same port numbers as a single box, each node on its own address
    ports = {"sip_port": a.sip_port, "ari_port": a.ari_port, "ami_port": a.ami_port,
             "audiosocket_port": a.audiosocket_port}
    queue_home = root / "queue"
    queue_layer = {**queue_node_layer(edge_address, nodes), **shared, "cluster": {"node": "queue"},
                   "web": {"enabled": False}}
    queue_layer["asterisk"].update(ports)
    _prepare_home(settings, queue_home, queue_layer)
    queue_ast = AsteriskProcess(component_settings(queue_home))
    queue_ast.start()  # no bot there: the agents register to it, the media nodes dial it
    manifest.queue = str(queue_home)
    node_uris: list[str] = []
    for i in range(nodes):
        home = root / f"node-{i + 1}"
        layer = merge_layers(node_layer(i, edge_address), media_role_layer(f"{QUEUE_NODE_ADDRESS}:{a.sip_port}"))
        layer = {**layer, **shared, "cluster": {"node": f"node-{i + 1}"}, "web": {"enabled": False}}
        layer["asterisk"].update(ports, trunk_contact=a.trunk_contact)  # callbacks dial out through the carrier
        _prepare_home(settings, home, layer)
        ns = node_settings(home, i, edge_address, layer)
        ast = AsteriskProcess(ns)
        ast.start()
        bot = _spawn_ivr(home, "voicebot", ["serve"])
        wait_until(ast.app_registered, 180, f"node-{i + 1} voicebot (Stasis app registration)", bot)
        manifest.nodes.append(str(home))
        node_uris.append(node_sip_uri(ns))
    edge = KamailioEdge(root / "edge", edge_address, edge_port, node_uris,
                        template_dir=settings.paths.asterisk_conf_dir / "kamailio")
    edge.start()
    manifest.edge = str(edge.run_dir)
    web_home = root / "web"
    web_layer = {**shared, "cluster": {"node": "web-front", "record_queue_outcomes": True},
                 "asterisk": {"bind": QUEUE_NODE_ADDRESS, **ports},  # AMI: the dashboard's queues and agents
                 "web": {"host": settings.web.host, "port": settings.web.port}}
    _prepare_home(settings, web_home, web_layer)
    web = _spawn_ivr(web_home, "web", ["web"])
    manifest.web, manifest.web_url = str(web_home), f"http://{settings.web.host}:{settings.web.port}/"
    # it serves only once it records the queue node's outcomes: a call handed over before that would miss them
    wait_until(lambda: _answers(manifest.web_url), 180, "web front (HTTP)", web)
    (root / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2))
    return manifest


def read_manifest(settings: Settings) -> Manifest | None:
    """The running cluster's manifest, if ``ivr up --nodes`` started one."""
    path = cluster_root(settings) / MANIFEST
    if not path.exists():
        return None
    return Manifest(**json.loads(path.read_text()))


def with_cluster_store(settings: Settings) -> Settings:
    """While a cluster runs from this home, commands (``ivr calls list``, ``ivr stats``…) read its database."""
    if settings.store.url:
        return settings
    m = read_manifest(settings)
    if m is None:
        return settings
    return dataclasses.replace(settings, store=dataclasses.replace(settings.store, url=m.database_url))


def _answers(url: str) -> bool:
    """Whether an HTTP server answers at ``url`` (any status: it is up)."""
    try:
        httpx.get(url, timeout=2.0)
    except httpx.HTTPError:
        return False
    return True


def component_settings(home: Path) -> Settings:
    """The settings of the component ``ivr up`` prepared in ``home`` (a node, the queue node)."""
    from ivr.config import load_settings

    return load_settings({"paths": {"home": str(home)}}, environ={}, config_file=home / "ivr.toml")


def _edge_pid(edge_dir: Path) -> int | None:
    try:
        pid = int((edge_dir / "kamailio.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def down(settings: Settings) -> list[str]:
    """Stop everything the manifest names; returns what was stopped."""
    m = read_manifest(settings)
    if m is None:
        return []
    stopped: list[str] = []
    if m.web and _process(Path(m.web), "web").stop():
        stopped.append("web")
    pid = _edge_pid(Path(m.edge)) if m.edge else None
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _edge_pid(Path(m.edge)) is not None and time.monotonic() < deadline:
            time.sleep(0.1)  # Kamailio's children exit on their own after the main process's SIGTERM
        stopped.append("edge")
    for home in m.nodes:
        name = Path(home).name
        if _process(Path(home), "voicebot").stop():
            stopped.append(f"{name} voicebot")
        if AsteriskProcess(component_settings(Path(home))).stop():
            stopped.append(f"{name} asterisk")
    if m.queue and AsteriskProcess(component_settings(Path(m.queue))).stop():
        stopped.append("queue asterisk")
    if PostgresServer(Path(m.pg_root), m.pg_port).stop():
        stopped.append("postgresql")
    (cluster_root(settings) / MANIFEST).unlink(missing_ok=True)
    return stopped


def status(settings: Settings) -> list[dict[str, Any]]:
    """Every component with its address, pid and health."""
    m = read_manifest(settings)
    if m is None:
        return []
    pg = PostgresServer(Path(m.pg_root), m.pg_port)
    rows: list[dict[str, Any]] = [{"component": "postgresql", "address": f"127.0.0.1:{m.pg_port}",
                                   "pid": pg.pid(), "healthy": pg.running()}]
    edge_pid = _edge_pid(Path(m.edge)) if m.edge else None
    edge_row: dict[str, Any] = {"component": "edge", "address": m.edge_address, "pid": edge_pid,
                                "healthy": edge_pid is not None}
    if edge_pid is not None:
        host, _, port = m.edge_address.rpartition(":")
        edge = KamailioEdge(Path(m.edge), host, int(port), [])
        try:
            edge_row["nodes"] = [asdict(n) for n in edge.node_states()]
        except Exception as exc:  # the RPC socket is the only view into Kamailio: report, never crash status
            edge_row["healthy"], edge_row["error"] = False, str(exc)
    rows.append(edge_row)
    for home in m.nodes:
        ns = component_settings(Path(home))
        ast = AsteriskProcess(ns)
        apid, bpid = ast.proc.pid(), _process(Path(home), "voicebot").pid()
        rows.append({"component": f"{Path(home).name} asterisk", "address": node_sip_uri(ns).removeprefix("sip:"),
                     "pid": apid, "healthy": bool(apid and ast.ari_ready())})
        rows.append({"component": f"{Path(home).name} voicebot", "address": f"{ns.asterisk.audiosocket_host}:"
                     f"{ns.asterisk.audiosocket_port}", "pid": bpid,
                     "healthy": bool(bpid and apid and ast.app_registered())})
    if m.queue:
        qs = component_settings(Path(m.queue))
        queue_ast = AsteriskProcess(qs)
        qpid = queue_ast.proc.pid()
        rows.append({"component": "queue asterisk", "address": node_sip_uri(qs).removeprefix("sip:"),
                     "pid": qpid, "healthy": bool(qpid and queue_ast.ari_ready())})
    web_pid = _process(Path(m.web), "web").pid() if m.web else None
    rows.append({"component": "web", "address": m.web_url, "pid": web_pid, "healthy": web_pid is not None})
    return rows
