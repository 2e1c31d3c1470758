"""``ivr kb lint`` through ``ivr.cli.main``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "kb_broken"


def test_lint_passes_on_the_real_knowledge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "kb", "lint", str(ROOT / "knowledge")]) == 0, capsys.readouterr().out


def test_lint_fails_and_names_file_line_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURES / "base", kb_dir)
    shutil.copytree(FIXTURES / "unknown_service", kb_dir, dirs_exist_ok=True)
    assert main(["--home", str(tmp_path), "kb", "lint", str(kb_dir)]) == 1
    out = capsys.readouterr().out
    assert f"{kb_dir / 'intents' / 'passport.yaml'}:2: service: unknown service 'mairie_annexe'" in out
