"""``ivr transcribe`` without a readable file: a clear error, no model loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.cli import main

WAV = Path("/usr/share/asterisk/sounds/en/agent-pass.wav")


def test_transcribe_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--home", str(tmp_path), "transcribe", str(tmp_path / "nope.wav")]) == 2
    assert "error [audio]" in capsys.readouterr().err
