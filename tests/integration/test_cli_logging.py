"""``ivr`` commands run as a real process: Alembic's INFO lines stay out of their output unless ``-v``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IVR_STORE__URL"}
    return subprocess.run([sys.executable, "-m", "ivr", "--home", str(home), *args], capture_output=True,
                          text=True, timeout=120, env=env, check=True)


def test_alembic_progress_only_with_verbose(tmp_path: Path) -> None:
    quiet = run("stats", "--json", home=tmp_path / "a")
    assert '"calls": 0' in quiet.stdout
    assert "alembic" not in quiet.stderr and "Running upgrade" not in quiet.stderr
    verbose = run("-v", "db", "upgrade", home=tmp_path / "b")
    assert "Running upgrade" in verbose.stderr
