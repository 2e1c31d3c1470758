"""``ivr status`` sees a bot serving in the foreground (``make run``): no pid file, a fresh runtime.json."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.runtime.status import now_status, status_path, write_status


def status(home: Path, capsys: pytest.CaptureFixture[str]) -> str:
    main(["--home", str(home), "status"])
    return capsys.readouterr().out


def test_a_foreground_bot_is_not_reported_stopped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "voicebot: stopped" in status(tmp_path, capsys)
    write_status(status_path(tmp_path), now_status(calls=0, asr_pending=0, asr_cost_s=0.0, loop_lag_max_s=0.0,
                                                   loop_lag_p99_s=0.0, loop_lag_samples=0))
    out = status(tmp_path, capsys)
    assert f"voicebot: running pid {os.getpid()} in the foreground" in out
    main(["--home", str(tmp_path), "status", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["voicebot"]["pid"] == os.getpid() and data["voicebot"]["foreground"] is True


def test_a_stale_status_or_a_dead_pid_is_stopped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = status_path(tmp_path)
    write_status(path, now_status(calls=0, asr_pending=0, asr_cost_s=0.0, loop_lag_max_s=0.0, loop_lag_p99_s=0.0,
                                  loop_lag_samples=0))
    data = json.loads(path.read_text())
    data["at"] = time.time() - 60
    path.write_text(json.dumps(data))
    assert "voicebot: stopped" in status(tmp_path, capsys)
    data["at"], data["pid"] = time.time(), 2**22 + 12345  # beyond pid_max: no such process
    path.write_text(json.dumps(data))
    assert "voicebot: stopped" in status(tmp_path, capsys)
