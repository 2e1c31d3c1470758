"""The cluster's shared PostgreSQL, as a private cluster in the run directory (Debian ``postgresql`` binaries).

A real deployment points ``store.url`` at the city's managed PostgreSQL; ``ivr up --nodes N`` on one machine
starts this one so every node and the web front share calls, events, callbacks, the SMS outbox, users and the
knowledge versions. As root, the server runs as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from ivr.errors import StoreError


def find_pg_binary(name: str) -> str | None:
    """``initdb``, ``pg_ctl``… from PATH or Debian's versioned directory (the newest version), or ``None``."""
    return shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                      None)


def pg_binary(name: str) -> str:
    """Like :func:`find_pg_binary`, but a missing binary is a clear error."""
    found = find_pg_binary(name)
    if not found:
        raise StoreError(f"PostgreSQL's {name} not found: apt-get install postgresql", retryable=False)
    return found


class PostgresServer:
    """One PostgreSQL data directory and its server on ``127.0.0.1:port``, user ``ivr`` trusted locally."""

    def __init__(self, root: Path, port: int, host: str = "127.0.0.1") -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.host = host

    def url(self, database: str = "ivr") -> str:
        """The SQLAlchemy URL of ``database``."""
        return f"postgresql+asyncpg://ivr@{self.host}:{self.port}/{database}"

    def _as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        pw = pwd.getpwnam("postgres")
        os.chown(self.root, pw.pw_uid, pw.pw_gid)
        for parent in self.root.resolve().parents:
            if not parent.stat().st_mode & 0o001:
                raise StoreError(f"PostgreSQL runs as the 'postgres' user, which cannot enter {parent}: make it "
                                 f"traversable (chmod o+x) or set cluster.pg_dir elsewhere", retryable=False)
        return ["runuser", "-u", "postgres", "--"]

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self._as_owner(), *argv], capture_output=True, text=True, timeout=90,
                                  check=True)
        except subprocess.CalledProcessError as exc:
            raise StoreError(f"{argv[0]} failed: {(exc.stderr or exc.stdout).strip()[-500:]}") from exc

    def start(self) -> None:
        """Create the cluster on first use, start it, create the ``ivr`` database (idempotent)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            self._run([pg_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "ivr", "-E", "UTF8"])
        if not self.running():
            opts = f"-c listen_addresses={self.host} -p {self.port} -k {self.root}"
            self._run([pg_binary("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"),
                       "-w", "start"])
        exists = self._run([pg_binary("psql"), "-h", self.host, "-p", str(self.port), "-U", "ivr", "-d",
                            "postgres", "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'ivr'"])
        if exists.stdout.strip() != "1":
            self._run([pg_binary("createdb"), "-h", self.host, "-p", str(self.port), "-U", "ivr", "ivr"])

    def running(self) -> bool:
        """The server answers."""
        probe = subprocess.run([pg_binary("pg_isready"), "-h", self.host, "-p", str(self.port)],
                               capture_output=True, timeout=10, check=False)
        return probe.returncode == 0

    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> bool:
        """Stop the server (fast shutdown); False if it was not running."""
        if not (self.data / "postmaster.pid").exists():
            return False
        self._run([pg_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        return True
