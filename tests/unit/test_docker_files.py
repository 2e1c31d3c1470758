"""docker/ and docker/systemd/ checked against the code, since no Docker engine here can run them.

The compose files are interpolated with the variables docker/env.example documents, then every ``IVR_*`` variable
is resolved by the real settings loader, every command by the real ``ivr`` parser, and the cluster file's roles
are checked against each other (the topology ``ivr up --nodes N`` builds, docs/cluster.md).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import ipaddress
import itertools
import re
import shlex
import typing
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from ivr.cli import build_parser
from ivr.cluster.nodes import node_sip_uri
from ivr.config import PROJECT_ROOT, Settings, load_settings
from ivr.telephony.asterisk.layout import layout_for
from ivr.telephony.asterisk.render import check_role, template_context

DOCKER = PROJECT_ROOT / "docker"
ASTERISK_RUN = "/var/lib/ivr/asterisk"
# the operator's addresses for the cluster's parts (distinct, so a role pointing at the wrong part shows)
ADDRESSES = {"IVR_EDGE_ADDR": "10.0.0.1", "IVR_QUEUE_ADDR": "10.0.0.10", "IVR_NODE1_ADDR": "10.0.0.11",
             "IVR_NODE2_ADDR": "10.0.0.12"}
_DOC_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")
_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
_SETTING = re.compile(r"\bIVR_([A-Z0-9]+)__([A-Z0-9_]+)\b")


def documented_variables(*, active_only: bool = False) -> dict[str, str]:
    """env.example's variables as an operator fills them in (blanks get sample values).

    Commented-out ones too, unless ``active_only``: those are documented but not in a fresh docker/.env.
    """
    out: dict[str, str] = {}
    for line in (DOCKER / "env.example").read_text().splitlines():
        m = _DOC_LINE.match(line.strip())
        if m and not (active_only and line.startswith("#")):
            name, value = m.group(1), m.group(2).strip()
            out[name] = value or ADDRESSES.get(name) or f"sample-{name.lower().replace('_', '-')}"
    return out


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:?err}``, ``${VAR:-default}``: a variable env.example omits is an error."""
    def sub(m: re.Match[str]) -> str:
        name, op, default = m.group(1), m.group(2) or "", m.group(3) or ""
        if name not in values:
            if op.endswith("-"):
                return default
            raise AssertionError(f"${{{name}}} is not documented in docker/env.example")
        return values[name]

    return _VAR.sub(sub, text)


def load_compose(name: str) -> dict[str, Any]:
    """The compose file as Docker would see it, plus ``x-dotenv``: the docker/.env an operator writes for it.

    That is env.example's uncommented lines, and the variables the file requires with ``${VAR:?}``.
    """
    text = (DOCKER / name).read_text()
    documented = documented_variables()
    data: dict[str, Any] = yaml.safe_load(interpolate(text, documented))
    required = {m.group(1) for m in _VAR.finditer(text) if m.group(2) in ("?", ":?")}
    data["x-dotenv"] = documented_variables(active_only=True) | {n: documented[n] for n in required}
    return data


def image_env(dockerfile: Path) -> dict[str, str]:
    """The ``ENV`` instructions of a Dockerfile (continuation lines joined)."""
    text = dockerfile.read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(item.partition("=")[::2] for item in shlex.split(line[4:]) if "=" in item)
    return env


def parse_ivr(argv: list[str]) -> Any:
    """``argv`` (``ivr ...``) through the real command-line parser; an unknown command fails the test."""
    assert Path(argv[0]).name == "ivr", f"not an ivr command: {argv}"
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return build_parser().parse_args(argv[1:])
    except (SystemExit, argparse.ArgumentError):
        pytest.fail(f"`{shlex.join(argv)}` is not a valid ivr command: {err.getvalue().strip()}")


def service_settings(compose: dict[str, Any], name: str, tmp: Path) -> Settings:
    """What ``ivr`` in service ``name`` would load: the image's ENV, then env_file (.env), then environment."""
    svc = compose["services"][name]
    env = image_env(PROJECT_ROOT / svc["build"]["dockerfile"])  # the build context is the repository
    if svc.get("env_file"):
        env |= compose["x-dotenv"]
    env |= {k: str(v) for k, v in (svc.get("environment") or {}).items()}
    return load_settings({"paths": {"home": str(tmp / name)}}, environ=env, config_file=tmp / "absent.toml")


def ivr_services(compose: dict[str, Any]) -> list[str]:
    return [n for n, s in compose["services"].items() if s.get("image") == "ivr-voicebot"]


def command_of(svc: dict[str, Any]) -> list[str]:
    """The voicebot image's entrypoint serves when given no command (docker/voicebot-entrypoint.sh)."""
    return [str(a) for a in svc.get("command") or ["ivr", "serve"]]


def test_every_ivr_variable_in_docker_files_names_a_setting() -> None:
    sections = {f.name: typing.get_type_hints(Settings)[f.name] for f in dataclasses.fields(Settings)}
    files = [p for p in DOCKER.rglob("*") if p.is_file()]
    seen = 0
    for path in files:
        for m in _SETTING.finditer(path.read_text()):
            section, key = m.group(1).lower(), m.group(2).lower()
            assert section in sections, f"{path.name}: {m.group(0)}: no settings section [{section}]"
            keys = {f.name for f in dataclasses.fields(sections[section])}
            assert key in keys, f"{path.name}: {m.group(0)}: no setting {section}.{key}"
            seen += 1
    assert seen > 20  # the files do configure through IVR_* variables: the check ran on something


def test_plain_ivr_variables_are_compose_variables_or_read_by_code() -> None:
    """``IVR_FOO`` (no ``__``) is ignored by the settings loader: it must be a compose variable or read by code."""
    documented = set(documented_variables())
    code = "".join(p.read_text() for p in (PROJECT_ROOT / "ivr").rglob("*.py"))
    scripts = "".join(p.read_text() for p in DOCKER.glob("*.sh"))
    for path in (p for p in DOCKER.rglob("*") if p.is_file()):
        for name in set(re.findall(r"\bIVR_[A-Z0-9_]+\b", path.read_text())):
            if "__" in name or name in documented:
                continue
            read = f'"{name}"' in code or f"${{{name}" in scripts
            assert read, f"{path.name}: {name} is neither in env.example nor read by the code or the entrypoints"


@pytest.mark.parametrize("compose_file", ["compose.yaml", "compose.cluster.yaml"])
def test_compose_builds_commands_and_settings_load(compose_file: str, tmp_path: Path) -> None:
    compose = load_compose(compose_file)
    services = compose["services"]
    for name, svc in services.items():
        for dep in svc.get("depends_on") or []:
            assert dep in services, f"{name} depends on unknown service {dep}"
        if "build" in svc:
            dockerfile = PROJECT_ROOT / svc["build"]["dockerfile"]
            assert svc["build"]["context"] == ".." and dockerfile.is_file(), f"{name}: no {dockerfile}"
            stages: set[str] = set()
            for base, stage in re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile.read_text(), re.M | re.I):
                external = ":" in base or "$" in base  # a tagged registry image, or one chosen by an ARG
                if not (external or base in stages):  # an image of this file: its service must be built first
                    source = (svc["build"].get("additional_contexts") or {}).get(base, "")
                    builder = services.get(source.removeprefix("service:"), {})
                    assert source.startswith("service:") and builder.get("image") == base and "build" in builder, (
                        f"{name}: FROM {base} needs additional_contexts {base}: service:<a service building it>")
                stages.add(stage)
        for volume in svc.get("volumes") or []:
            source = volume.split(":")[0]
            assert source.startswith(".") or source in (compose.get("volumes") or {}), f"{name}: volume {source}"
        if svc.get("image") in ("ivr-voicebot", "ivr-edge"):
            parse_ivr(command_of(svc))
    for name in ivr_services(compose):
        check_role(service_settings(compose, name, tmp_path))


def test_cluster_compose_has_the_topology_of_ivr_up(tmp_path: Path) -> None:
    compose = load_compose("compose.cluster.yaml")
    services = compose["services"]
    loaded = {n: service_settings(compose, n, tmp_path) for n in ivr_services(compose)}
    commands = {n: parse_ivr(command_of(services[n])) for n in loaded}
    media = {n: s for n, s in loaded.items() if s.asterisk.role == "media"}
    queue = {n: s for n, s in loaded.items() if s.asterisk.role == "queue"}
    assert len(media) >= 2 and all(commands[n].command == "serve" for n in media), "media nodes run `ivr serve`"
    assert len(queue) == 1, f"exactly one queue node, not {sorted(queue)}"
    (queue_name, q), = queue.items()
    assert commands[queue_name].command == "asterisk" and commands[queue_name].asterisk_cmd == "render"
    queue_address = q.asterisk.sip_bind or q.asterisk.bind
    assert queue_address == ADDRESSES["IVR_QUEUE_ADDR"]
    media_addresses = {s.asterisk.sip_bind or s.asterisk.bind for s in media.values()}
    assert len(media_addresses) == len(media), "each media node on its own address"
    for name, s in media.items():
        assert s.asterisk.queue_node == f"{queue_address}:{q.asterisk.sip_port}", f"{name} hands callers elsewhere"
    assert set(q.asterisk.media_nodes) == media_addresses, "the queue node accepts exactly the media nodes"
    # the queue node's outcomes are stored once, by the web front, whose AMI is the queue node's
    recorders = [n for n, s in loaded.items() if s.cluster.record_queue_outcomes]
    assert len(recorders) == 1 and commands[recorders[0]].command == "web", f"recorders: {recorders}"
    assert loaded[recorders[0]].asterisk.bind == queue_address
    # the edge dispatches to the media nodes, which take calls only from it
    edges = [n for n, s in services.items() if s.get("image") == "ivr-edge"]
    assert len(edges) == 1
    edge = parse_ivr(command_of(services[edges[0]]))
    assert edge.command == "edge" and edge.edge_cmd == "run"
    assert sorted(edge.node) == sorted(node_sip_uri(s) for s in media.values())
    for name, s in {**media, **queue}.items():
        assert s.asterisk.trunk_match == (edge.listen,), f"{name} must take calls from the edge only"
    # one database, one set of secrets, distinct node names
    assert len({s.store.url for s in loaded.values()}) == 1 and q.store.url.startswith("postgresql")
    secrets = {dataclasses.astuple(s.secrets) for s in loaded.values()}
    assert len(secrets) == 1, "every process must share the cluster's secrets (AMI, agents, caller key)"
    assert len({s.cluster.node_name for s in loaded.values()}) == len(loaded)
    assert all(not s.web.enabled for n, s in loaded.items() if n != recorders[0])
    _check_asterisk_pairs(services, {**media, **queue})
    # AMI: each bot logs into its node, the web front and the callback dialers into the queue node
    for name, s in loaded.items():
        if name != queue_name:
            _check_ami_permits(s.asterisk.bind, q if s.asterisk.bind == queue_address else s, tmp_path)
    for s in media.values():
        _check_ami_permits(s.asterisk.bind, q, tmp_path)


def _check_ami_permits(client: str, server: Settings, tmp: Path) -> None:
    """The rendered manager.conf of ``server`` lets ``client`` log in (on one host: from the address it dials)."""
    templates = PROJECT_ROOT / "asterisk-conf"  # what the image copies to its paths.asterisk_conf_dir
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), undefined=jinja2.StrictUndefined)
    context = template_context(server, layout_for(server))
    manager = env.get_template("manager.conf.j2").render(**context)
    permits = [ipaddress.ip_network(line.split("=", 1)[1].strip(), strict=False)
               for line in manager.splitlines() if line.startswith("permit")]
    allowed = any(ipaddress.ip_address(client) in n for n in permits)
    assert allowed, f"{server.cluster.node_name}'s AMI refuses logins from {client}: permit {permits}"


def _check_asterisk_pairs(services: dict[str, Any], renderers: dict[str, Settings]) -> None:
    """Each rendered configuration is run by exactly one Asterisk, and RTP ranges on the one host never overlap."""
    def run_volume(svc: dict[str, Any]) -> str:
        for volume in svc.get("volumes") or []:
            source, _, target = str(volume).partition(":")
            if target.split(":")[0] == ASTERISK_RUN:
                return source
        return "(none)"

    asterisks = [run_volume(s) for s in services.values() if s.get("image") == "ivr-asterisk"]
    rendered = [run_volume(services[n]) for n in renderers]
    assert "(none)" not in rendered and sorted(asterisks) == sorted(rendered), f"{asterisks} vs {rendered}"
    ranges = sorted((s.asterisk.rtp_start, s.asterisk.rtp_end) for s in renderers.values())
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end < start, f"RTP ranges overlap: {ranges}"


def _exec_lines(unit: Path) -> dict[str, list[list[str]]]:
    """``ExecStart=``, ``ExecStartPre=``… of a unit, each split into its argv (continuation lines joined)."""
    out: dict[str, list[list[str]]] = {}
    for line in unit.read_text().replace("\\\n", " ").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("Exec"):
            out.setdefault(key, []).append(shlex.split(value))
    return out


def test_systemd_units_run_real_ivr_commands(tmp_path: Path) -> None:
    units = sorted((DOCKER / "systemd").glob("*.service"))
    started: dict[str, str] = {}
    for unit in units:
        execs = _exec_lines(unit)
        assert len(execs.get("ExecStart", [])) == 1, f"{unit.name}: one ExecStart"
        for key, argvs in execs.items():
            for argv in argvs:
                if Path(argv[0]).name == "ivr":
                    args = parse_ivr(argv)
                    started[f"{unit.name} {key}"] = " ".join(a for a in (args.command, getattr(
                        args, "asterisk_cmd", None), getattr(args, "edge_cmd", None)) if a)
                    home = Path(args.home)
                elif Path(argv[0]).name == "asterisk":  # the configuration `ivr asterisk render` writes there
                    settings = load_settings({"paths": {"home": str(tmp_path)}}, environ={},
                                             config_file=tmp_path / "absent.toml")
                    home_settings = dataclasses.replace(settings, paths=dataclasses.replace(
                        settings.paths, home=home, asterisk_prefix=Path("/")))
                    conf = str(layout_for(home_settings).conf)
                    assert argv[argv.index("-C") + 1] == conf, f"{unit.name}: Asterisk must read {conf}"
                    assert execs["ExecStartPre"], f"{unit.name}: nothing renders {conf}"
                else:
                    pytest.fail(f"{unit.name}: {key} runs {argv[0]}, neither ivr nor asterisk")
    assert {"serve", "web", "edge run", "asterisk render"} <= set(started.values()), started
