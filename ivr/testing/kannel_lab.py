"""Start a private Kannel (bearerbox + smsbox + the fake SMSC ``fakesmsc``) on free loopback ports.

Used by the tests and for demos: ``python -m ivr.testing.kannel_lab`` prints the ``[sms]`` settings
and runs until Ctrl-C. Needs Debian ``kannel`` and ``kannel-extras`` (which ships ``fakesmsc``).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import jinja2

from ivr.errors import SmsError
from ivr.probe.ports import free_port

FAKESMSC_PATHS = ("/usr/lib/kannel/test/fakesmsc", "/usr/lib/kannel/fakesmsc")
_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


def _binary(name: str, extra: tuple[str, ...] = ()) -> str | None:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", *extra):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def unavailable_reason() -> str | None:
    """Why Kannel cannot be started here (``None`` if it can)."""
    if not (_binary("bearerbox") and _binary("smsbox")):
        return "Kannel not installed (apt-get install kannel)"
    if not _binary("fakesmsc", FAKESMSC_PATHS):
        return "Kannel's fake SMSC not installed (apt-get install kannel-extras)"
    return None


def _wait_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise SmsError(f"Kannel did not open port {port} within {timeout_s:.0f} s", retryable=False)


@dataclass(frozen=True, slots=True)
class FakeSms:
    """A message (or one part of a concatenated message) the fake SMSC received."""

    sender: str
    receiver: str
    text: str
    udh: bytes = b""


def _decode_data(kind: str, data: str) -> str:
    if kind == "text":
        return data
    raw = urllib.parse.unquote_to_bytes(data.replace("+", "%20"))
    # Our gateway sends either GSM text or UCS-2, so binary payloads are UCS-2 (big-endian).
    return raw.decode("utf-16-be", errors="replace") if kind in ("ucs-2", "data") else raw.decode(errors="replace")


def decode_fakesmsc_line(line: str) -> FakeSms | None:
    """Parse ``Got message N: <from to type [udh UDH type] data>`` from fakesmsc's output."""
    m = _GOT.search(line.strip())
    if not m:
        return None
    sender, receiver, kind, data = m.groups()
    udh = b""
    if kind == "udh":
        udh_enc, _, rest = data.partition(" ")
        kind, _, data = rest.partition(" ")
        udh = urllib.parse.unquote_to_bytes(udh_enc)
    return FakeSms(sender, receiver, _decode_data(kind, data), udh)


def reassemble(parts: list[FakeSms]) -> list[FakeSms]:
    """Join concatenated parts (UDH IEI 0: reference, total, sequence) into whole messages, in order."""
    out: list[FakeSms] = []
    groups: dict[tuple[str, str, int], dict[int, FakeSms]] = {}
    totals: dict[tuple[str, str, int], int] = {}
    for p in parts:
        if len(p.udh) >= 6 and p.udh[1] == 0x00:
            key = (p.sender, p.receiver, p.udh[3])
            totals[key] = p.udh[4]
            group = groups.setdefault(key, {})
            group[p.udh[5]] = p
            if len(group) == totals[key]:
                out.append(FakeSms(p.sender, p.receiver, "".join(group[i].text for i in sorted(group))))
        else:
            out.append(p)
    return out


class KannelLab:
    """``with KannelLab() as k: KannelGateway(k.sendsms_url, k.username, k.password, "MAIRIE")``."""

    def __init__(self, run_dir: Path | None = None) -> None:
        reason = unavailable_reason()
        if reason:
            raise SmsError(reason, code="sms_config", retryable=False)
        self.run_dir = run_dir or Path(tempfile.mkdtemp(prefix="ivr-kannel-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.username = "ivr"
        self.password = secrets.token_urlsafe(12)
        ports = {k: free_port() for k in ("admin_port", "smsbox_port", "fake_smsc_port", "sendsms_port")}
        self.sendsms_port = ports["sendsms_port"]
        self._ports = ports
        self._procs: list[subprocess.Popen[bytes]] = []
        self.conf = self.run_dir / "kannel.conf"
        template = jinja2.Template((Path(__file__).parent / "kannel.conf.j2").read_text())
        self.conf.write_text(template.render(
            run_dir=self.run_dir, username=self.username, password=self.password,
            admin_password=secrets.token_urlsafe(12), **ports,
        ))

    @property
    def sendsms_url(self) -> str:
        """The ``sendsms`` URL of smsbox (``sms.url``)."""
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def _spawn(self, args: list[str], log_name: str) -> None:
        with (self.run_dir / log_name).open("ab") as log:
            self._procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, cwd=self.run_dir))

    def start(self, timeout_s: float = 60.0) -> None:
        """Start bearerbox, the fake SMSC, then smsbox; return when ``sendsms`` answers.

        It returns as soon as the ports open: the deadline is generous for a loaded machine.
        """
        bearerbox, smsbox = _binary("bearerbox"), _binary("smsbox")
        fakesmsc = _binary("fakesmsc", FAKESMSC_PATHS)
        assert bearerbox and smsbox and fakesmsc
        self._spawn([bearerbox, "-v", "1", str(self.conf)], "bearerbox.out")
        _wait_port(self._ports["fake_smsc_port"], timeout_s)
        _wait_port(self._ports["smsbox_port"], timeout_s)
        # fakesmsc only listens (-m 0: it generates no messages) and prints what bearerbox sends it.
        self._spawn([fakesmsc, "-H", "127.0.0.1", "-r", str(self._ports["fake_smsc_port"]), "-m", "0",
                     "0 0 text unused"], "fakesmsc.out")
        self._spawn([smsbox, "-v", "1", str(self.conf)], "smsbox.out")
        _wait_port(self.sendsms_port, timeout_s)

    def received(self) -> list[FakeSms]:
        """Whole messages the fake SMSC got so far (concatenated parts joined)."""
        path = self.run_dir / "fakesmsc.out"
        if not path.exists():
            return []
        lines = path.read_text(errors="replace").splitlines()
        return reassemble([m for m in map(decode_fakesmsc_line, lines) if m is not None])

    def stop(self) -> None:
        """Stop the three processes (the ones this object started, by PID)."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self._procs):
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)
        self._procs.clear()

    def __enter__(self) -> KannelLab:
        self.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


if __name__ == "__main__":  # pragma: no cover - manual demo
    with KannelLab() as lab:
        print(f'[sms]\ngateway = "kannel"\nurl = "{lab.sendsms_url}"\nusername = "{lab.username}"\n'
              f'password = "{lab.password}"\n# fake SMSC output: {lab.run_dir / "fakesmsc.out"}')
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
