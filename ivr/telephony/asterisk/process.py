"""Start, stop and query processes by PID file (the Asterisk process shows as ``ld-linux``: never by name)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from ivr.config import Settings
from ivr.errors import ProvisionError, TelephonyError
from ivr.telephony.asterisk.layout import AsteriskLayout, layout_for
from ivr.telephony.asterisk.render import render_config


@dataclass(frozen=True, slots=True)
class ManagedProcess:
    """A background process tracked by its PID file."""

    name: str
    pidfile: Path
    logfile: Path

    def pid(self) -> int | None:
        """The live PID, or None (stale PID files are removed)."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            self.pidfile.unlink(missing_ok=True)
            return None
        except PermissionError:
            return pid
        # a zombie child counts as gone
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                self.pidfile.unlink(missing_ok=True)
                return None
        return pid

    def start(self, argv: Sequence[str], env: dict[str, str] | None = None) -> int:
        """Spawn detached (own session), stdout/stderr to the log file."""
        if (pid := self.pid()) is not None:
            return pid
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        log = self.logfile.open("ab")
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, env=env,
        )
        log.close()
        self.pidfile.write_text(str(proc.pid))
        return proc.pid

    def stop(self, timeout: float = 10.0) -> bool:
        """SIGTERM, then SIGKILL after ``timeout``; True if something was stopped."""
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.1)
        if self.pid() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        self.pidfile.unlink(missing_ok=True)
        return True


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: ManagedProcess | None = None) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` (and the log to read)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.pid() is None:
            raise TelephonyError(f"{what}: process exited; see {proc.logfile}", retryable=False)
        time.sleep(0.1)
    hint = f"; see {proc.logfile}" if proc else ""
    raise TelephonyError(f"{what}: not ready after {timeout:.0f} s{hint}", retryable=False)


class AsteriskProcess:
    """The project's Asterisk."""

    def __init__(self, settings: Settings, layout: AsteriskLayout | None = None) -> None:
        self.settings = settings
        self.layout = layout or layout_for(settings)
        self.proc = ManagedProcess("asterisk", self.layout.pidfile, self.layout.run / "log" / "console.log")

    @property
    def ari_url(self) -> str:
        """Base URL of ARI."""
        a = self.settings.asterisk
        return f"http://{a.bind}:{a.ari_port}"

    def ari_ready(self) -> bool:
        """ARI answers with our credentials."""
        try:
            r = httpx.get(
                f"{self.ari_url}/ari/asterisk/info",
                auth=(self.settings.asterisk.ari_user, self.settings.secrets.ari_password),
                timeout=1.0,
            )
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    def app_registered(self, app: str | None = None) -> bool:
        """The voicebot's Stasis application is connected."""
        try:
            r = httpx.get(
                f"{self.ari_url}/ari/applications/{app or self.settings.asterisk.app}",
                auth=(self.settings.asterisk.ari_user, self.settings.secrets.ari_password),
                timeout=1.0,
            )
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    def start(self, timeout: float = 30.0) -> int:
        """Render the config, start Asterisk, wait until ARI answers."""
        self.layout.check()
        if self.proc.pid() is not None and self.ari_ready():
            return self.proc.pid() or 0
        render_config(self.settings)
        pid = self.proc.start(self.layout.command("-f", "-n", "-q"))
        wait_until(self.ari_ready, timeout, "Asterisk ARI", self.proc)
        return pid

    def stop(self) -> bool:
        """Stop Asterisk (SIGTERM stops it cleanly)."""
        return self.proc.stop()

    def cli(self, command: str, timeout: float = 10.0) -> str:
        """``asterisk -rx COMMAND`` against the running instance."""
        self.layout.check()
        try:
            out = subprocess.run(
                self.layout.command("-rx", command), capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise TelephonyError(f"asterisk -rx {command!r} timed out") from exc
        if out.returncode != 0:
            raise TelephonyError(f"asterisk -rx {command!r} failed: {out.stderr.strip() or out.stdout.strip()}")
        return out.stdout

    def provision(self) -> None:
        """Run the provisioning script."""
        script = self.settings.paths.asterisk_conf_dir.parent / "scripts" / "provision-asterisk.sh"
        env = dict(os.environ, ASTERISK_PREFIX=str(self.layout.prefix))
        res = subprocess.run(["bash", str(script), str(self.layout.prefix)], env=env, check=False)
        if res.returncode != 0:
            raise ProvisionError(f"{script} failed (exit {res.returncode})")
