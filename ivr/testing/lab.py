"""Settings for a private lab (tests, benchmarks, demos): everything on free loopback ports."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

from ivr.config import PROJECT_ROOT, Settings, load_settings, merge_layers
from ivr.probe.ports import free_port


def isolated_settings(home: Path, extra: dict[str, Any] | None = None) -> Settings:
    """Settings rooted at ``home`` on free ports, so a developer's ``ivr up`` on the defaults is not disturbed."""
    rtp = 20000 + (free_port() % 2000) * 10
    layers: dict[str, Any] = {
        "paths": {"home": str(home)},
        "asterisk": {
            "sip_port": free_port("127.0.0.1", socket.SOCK_DGRAM),
            "ari_port": free_port(),
            "tls_port": free_port(),
            "ami_port": free_port(),
            "audiosocket_port": free_port(),
            "trunk_contact": f"127.0.0.2:{free_port('127.0.0.2', socket.SOCK_DGRAM)}",
            "rtp_start": rtp,
            "rtp_end": rtp + 400,
        },
        "web": {"port": free_port()},
    }
    return load_settings(merge_layers(layers, extra or {}), environ={})


def make_settings(tmp: Path, knowledge_src: Path | None = None, **sections: dict[str, Any]) -> Settings:
    """Isolated settings whose knowledge base and dialplans are copies under ``tmp``, so a test may edit them."""
    src = knowledge_src or PROJECT_ROOT / "knowledge"
    kb = tmp / "knowledge"
    if not kb.exists():
        shutil.copytree(src, kb)
    dialplans = tmp / "dialplans"
    if not dialplans.exists():
        shutil.copytree(PROJECT_ROOT / "dialplans", dialplans)
    paths = {"knowledge_dir": str(kb), "dialplans_dir": str(dialplans)}
    overrides: dict[str, Any] = {"paths": paths, "nlu": {"calibration_file": str(src / "calibration.toml")}}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    return isolated_settings(tmp / "home", overrides)
