"""The SIP edge: Kamailio's ``dispatcher`` spreads inbound calls over the media nodes and probes them.

Kamailio is what telephony operators already run in front of media servers; the project only renders its
configuration (``asterisk-conf/kamailio/kamailio.cfg.j2``) and the dispatcher list, starts the process and
asks it, over its binary RPC socket (``kamcmd``), which nodes are active.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ivr.config import PROJECT_ROOT
from ivr.errors import ProvisionError

TEMPLATE_DIR = PROJECT_ROOT / "asterisk-conf" / "kamailio"
MODULE_DIR = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
PING_INTERVAL_S = 1
"""OPTIONS probes every second, one failure takes a node out: a dead node is out within about 1-2 s."""
FR_TIMER_MS = 1500
"""A node that does not answer an INVITE with any reply (even 100 Trying) in 1.5 s is skipped for the next."""


@dataclass(frozen=True, slots=True)
class NodeState:
    """One media node as the edge sees it."""

    uri: str
    active: bool
    flags: str
    """Kamailio's flags: ``AP`` active+probing, ``IP`` inactive+probing, ``TP`` trying."""


def kamailio_binary() -> str:
    """The ``kamailio`` executable (Debian package ``kamailio``)."""
    found = shutil.which("kamailio") or ("/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None)
    if not found:
        raise ProvisionError("kamailio not found: apt-get install kamailio (scripts/install-system-deps.sh)")
    return found


class KamailioEdge:
    """One Kamailio process listening on ``listen:port`` in front of ``nodes`` (``sip:host:port`` URIs)."""

    def __init__(
        self, run_dir: Path, listen: str, port: int, nodes: list[str], *, debug: int = 1,
        template_dir: Path = TEMPLATE_DIR,
    ) -> None:
        self.run_dir = run_dir
        self.template_dir = template_dir
        self.listen = listen
        self.port = port
        self.nodes = nodes
        self.debug = debug
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        """The rendered configuration."""
        return self.run_dir / "kamailio.cfg"

    @property
    def log_path(self) -> Path:
        """Kamailio's stderr."""
        return self.run_dir / "kamailio.log"

    def render(self) -> Path:
        """Write ``kamailio.cfg`` and ``dispatcher.list`` into the run dir; check the syntax."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(self.template_dir), undefined=jinja2.StrictUndefined,
                                 autoescape=False, keep_trailing_newline=True)
        text = env.get_template("kamailio.cfg.j2").render(
            listen=self.listen, port=self.port, run_dir=self.run_dir, module_dir=MODULE_DIR, children=2,
            debug=self.debug, ping_interval_s=PING_INTERVAL_S, fr_timer_ms=FR_TIMER_MS,
        )
        self.config_path.write_text(text)
        (self.run_dir / "dispatcher.list").write_text("".join(f"1 {uri}\n" for uri in self.nodes))
        check = subprocess.run([kamailio_binary(), "-c", "-f", str(self.config_path)], capture_output=True,
                               text=True, timeout=30, check=False)
        if check.returncode != 0:
            raise ProvisionError(f"{self.config_path}: kamailio rejects it: {check.stderr.strip()[-600:]}")
        return self.config_path

    def start(self, timeout_s: float = 20.0) -> None:
        """Render, start Kamailio in the foreground of its own process group, wait for its RPC socket."""
        self.render()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [kamailio_binary(), "-f", str(self.config_path), "-DD", "-E", "-Y", str(self.run_dir),
                 "-w", str(self.run_dir), "-P", str(self.run_dir / "kamailio.pid")],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ProvisionError(f"kamailio exited with {self.proc.returncode}; see {self.log_path}")
            with contextlib.suppress(ProvisionError):
                self.rpc("core.uptime")
                return
            time.sleep(0.1)  # waiting for a process to open its socket: nothing to wait on but time
        self.stop()
        raise ProvisionError(f"kamailio did not open its control socket in {timeout_s:.0f} s; see {self.log_path}")

    def rpc(self, *command: str) -> str:
        """Run one RPC command through ``kamcmd`` on the control socket; return its output."""
        kamcmd = shutil.which("kamcmd") or "/usr/sbin/kamcmd"
        try:
            out = subprocess.run([kamcmd, "-s", f"unix:{self.run_dir}/kamailio_ctl", *command],
                                 capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ProvisionError(f"kamcmd {' '.join(command)}: {exc}") from exc
        if out.returncode != 0:
            raise ProvisionError(f"kamcmd {' '.join(command)}: {out.stderr.strip() or out.stdout.strip()}")
        return out.stdout

    def node_states(self) -> list[NodeState]:
        """Every media node with its dispatcher flags (from ``dispatcher.list``)."""
        text = self.rpc("dispatcher.list")
        states: list[NodeState] = []
        for uri, flags in re.findall(r"URI:\s*(\S+)\s+FLAGS:\s*(\S+)", text):
            states.append(NodeState(uri, flags.startswith("A"), flags))
        return states

    @property
    def pid(self) -> int | None:
        """The main process's pid while it runs."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def stop(self) -> None:
        """Stop every Kamailio process of the group (idempotent)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
