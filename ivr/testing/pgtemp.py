"""A throw-away PostgreSQL cluster in a temporary directory, for tests (Debian ``postgresql`` package)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ivr.cluster.postgres import find_pg_binary
from ivr.errors import StoreError
from ivr.probe.ports import free_port


def unavailable_reason() -> str | None:
    """Why a temporary cluster cannot be started here (``None`` if it can)."""
    if not (find_pg_binary("initdb") and find_pg_binary("pg_ctl")):
        return "PostgreSQL server binaries not found (apt-get install postgresql, or set IVR_TEST_PG_URL)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and no 'postgres' user to run initdb as"
    return None


class TempCluster:
    """A private cluster in a temporary directory; ``stop``/``start`` let fault tests restart it."""

    def __init__(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise StoreError(reason, retryable=False)
        initdb, pg_ctl = find_pg_binary("initdb"), find_pg_binary("pg_ctl")
        assert initdb and pg_ctl
        self._pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="ivr-pg-"))
        self.data = self.root / "data"
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.url = f"postgresql+asyncpg://ivr@127.0.0.1:{self.port}/postgres"
        """An admin URL (trust authentication on loopback)."""
        try:
            subprocess.run([*self._prefix, initdb, "-D", str(self.data), "-A", "trust", "-U", "ivr", "-E", "UTF8",
                            "--no-sync"], check=True, capture_output=True, timeout=60)
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(self.root, ignore_errors=True)
            raise StoreError(f"initdb failed: {exc.stderr.decode(errors='replace')[-500:]}") from exc

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        try:
            subprocess.run([*self._prefix, self._pg_ctl, "-D", str(self.data), "-o", opts, "-l",
                            str(self.root / "log"), "-w", "start"], check=True, capture_output=True, timeout=60)
        except subprocess.CalledProcessError as exc:
            raise StoreError(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')[-500:]}") from exc

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server (``immediate``: like a crash, every connection cut)."""
        subprocess.run([*self._prefix, self._pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"],
                       capture_output=True, timeout=60, check=False)

    def remove(self) -> None:
        """Stop and delete the cluster."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def temp_cluster() -> Iterator[TempCluster]:
    """A started private cluster on a free loopback port, removed afterwards."""
    cluster = TempCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextlib.contextmanager
def temp_postgres() -> Iterator[str]:
    """Start a private cluster on a free loopback port; yield an admin ``postgresql+asyncpg`` URL."""
    with temp_cluster() as cluster:
        yield cluster.url


async def create_database(admin_url: str, name: str) -> str:
    """Create an empty database next to ``admin_url``'s; return its URL."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)
