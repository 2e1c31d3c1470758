"""``ivr transcribe FILE.wav`` on a real English prompt (loads whisper)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.asr.evaluation import load_prompts, word_error_rate
from ivr.cli import main

WAV = Path("/usr/share/asterisk/sounds/en/agent-pass.wav")


@pytest.mark.slow
@pytest.mark.skipif(not WAV.exists(), reason="asterisk-core-sounds-en-wav not installed")
def test_transcribe_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--home", str(tmp_path), "transcribe", str(WAV), "--lang", "en"]) == 0
    out = capsys.readouterr().out.strip()
    assert word_error_rate([load_prompts("en")["agent-pass"]], [out], "en") < 0.1
