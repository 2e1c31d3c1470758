"""Decision thresholds per language and signal weights, stored in ``knowledge/calibration.toml``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ivr.errors import KnowledgeError
from ivr.nlu.index import Weights


@dataclass(frozen=True, slots=True)
class LangThresholds:
    """When to answer, ask, abstain or raise the alarm, for one language."""

    threshold: float = 0.55
    """From this best score on the matcher answers."""
    margin: float = 0.03
    """If the two best intents are closer than this, the matcher asks which one."""
    emergency: float = 0.45
    """The emergency intent, ranked first with at least this score, triggers the emergency path."""
    confirm: float = 1.0
    """Between this and ``threshold`` the matcher asks for confirmation; below it, it abstains. The default
    (above any score) means no confirmation band, as before ``ivr kb calibrate`` fitted one."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Everything ``ivr kb calibrate`` fits."""

    weights: Weights = field(default_factory=Weights)
    langs: Mapping[str, LangThresholds] = field(
        default_factory=lambda: MappingProxyType({"fr": LangThresholds(), "en": LangThresholds()})
    )
    knowledge_version: str = ""
    """The knowledge version the numbers were fitted on (informational)."""

    def for_lang(self, lang: str) -> LangThresholds:
        """Thresholds for ``lang`` (French ones for an unknown language)."""
        return self.langs.get(lang) or self.langs.get("fr") or LangThresholds()


def _section(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise KnowledgeError(f"calibration: [{where}] must be a table")
    names = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(names)
    if unknown:
        raise KnowledgeError(f"calibration: unknown key(s) in [{where}]: {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        default = getattr(cls(), key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise KnowledgeError(f"calibration: {where}.{key} must be a number")
        kwargs[key] = int(value) if isinstance(default, int) else float(value)
    return cls(**kwargs)


def load_calibration(path: Path) -> Calibration:
    """Read the calibration file; defaults when it does not exist."""
    if not path.exists():
        return Calibration()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"calibration {path}: {exc}") from exc
    weights = _section(Weights, data.get("weights", {}), "weights")
    langs = {
        lang: _section(LangThresholds, table, lang)
        for lang, table in data.items()
        if lang not in ("weights", "meta")
    }
    version = str(data.get("meta", {}).get("knowledge_version", ""))
    return Calibration(weights, MappingProxyType(langs or {"fr": LangThresholds()}), version)


def dump_calibration(cal: Calibration, comment: str = "") -> str:
    """TOML text for ``cal``."""
    lines = ["# Matcher calibration, written by `ivr kb calibrate` (cross-validation on the knowledge utterances,",
             "# the out-of-scope list and the tuning split; answer >= threshold, confirm >= confirm, else abstain)."]
    lines += [f"# {c}" for c in comment.splitlines() if c]
    lines += ["", "[meta]", f'knowledge_version = "{cal.knowledge_version}"', "", "[weights]"]
    for f in fields(Weights):
        value = getattr(cal.weights, f.name)
        lines.append(f"{f.name} = {value}" if isinstance(value, int) else f"{f.name} = {value:.4f}")
    for lang, th in cal.langs.items():
        lines += ["", f"[{lang}]"]
        lines += [f"{f.name} = {getattr(th, f.name):.4f}" for f in fields(LangThresholds)]
    return "\n".join(lines) + "\n"


def save_calibration(cal: Calibration, path: Path, comment: str = "") -> None:
    """Write ``cal`` atomically."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(dump_calibration(cal, comment), encoding="utf-8")
    tmp.replace(path)
