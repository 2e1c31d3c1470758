"""The certificate of Asterisk's TLS listener (WSS for the browser softphone), made once at first render.

Agents' browsers carry SIP credentials and the calls' media keys: plain ``ws://`` would hand them to
anyone on the network. A self-signed certificate for the management address is generated with the
``openssl`` CLI into ``<home>/tls/`` (key mode 0600) the first time the config is rendered; a city with
its own certificate sets ``asterisk.tls_cert`` and ``asterisk.tls_key`` instead. Browsers must be told to
trust the self-signed one once (open ``https://<bind>:<tls_port>/httpstatus`` and accept it).
"""

from __future__ import annotations

import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ivr.errors import ProvisionError

VALID_DAYS = 825
"""The longest validity browsers accept for a TLS server certificate."""


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Certificate and private key (PEM)."""

    cert: Path
    key: Path


def ensure_self_signed(directory: Path, host: str) -> TlsFiles:
    """Return ``directory``'s certificate for ``host``, generating it (self-signed) if missing."""
    files = TlsFiles(directory / "asterisk.crt", directory / "asterisk.key")
    if files.cert.is_file() and files.key.is_file():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    try:
        ipaddress.ip_address(host)
        san = f"IP:{host}"
    except ValueError:
        san = f"DNS:{host}"
    cmd = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(VALID_DAYS),
           "-subj", f"/CN={host}", "-addext", f"subjectAltName={san}",
           "-keyout", str(files.key), "-out", str(files.cert)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProvisionError(f"cannot generate the TLS certificate with openssl: {exc}") from exc
    files.key.chmod(0o600)
    return files
