"""``ivr kb ask|calibrate`` through ``ivr.cli.main`` (loads the sentence encoder)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.nlu.calibration import load_calibration

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "kb_broken"


def test_ask_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("je voudrais refaire mon passeport\n\nil y a le feu\n"))
    assert main(["--home", str(tmp_path), "kb", "ask", "--lang", "fr", "--jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["intent"] == "passport" and first["decision"] == "answer"
    assert first["answer"] and "passeport" in first["answer"].lower()
    assert first["candidates"][0]["intent"] == "passport" and 0 < first["score"] <= 1
    assert second["decision"] == "emergency" and second["intent"] == "emergency"
    assert "112" in second["answer"] or "18" in second["answer"]


def test_ask_one_question_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "kb", "ask", "--lang", "en", "what", "is", "the", "weather", "tomorrow"]) == 0
    assert capsys.readouterr().out.startswith("abstain: None")


def test_calibrate_writes_a_usable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "calibration.toml"
    args = ["--home", str(tmp_path), "kb", "calibrate", "--dir", str(FIXTURES / "base"), "--out", str(out)]
    assert main(args) == 0
    cal = load_calibration(out)
    assert set(cal.langs) == {"fr", "en"}
    for th in cal.langs.values():
        assert 0.3 <= th.emergency <= th.threshold < 0.95 and 0.0 <= th.margin <= 0.1
    assert "cross-validated fr" in capsys.readouterr().out
