"""Reading YAML while keeping line numbers, so every problem names its file, line and field.

Scalars are read as written (``node.value``): ``yes``, ``no`` or ``on`` stay text instead of turning into
booleans, which matters for the dialog intents' utterances.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ivr.nlu.model import LANGS, LintIssue, Severity

_NULL_TAG = "tag:yaml.org,2002:null"


def line_of(node: Node | None) -> int:
    """1-based line where ``node`` starts (0 when unknown)."""
    return node.start_mark.line + 1 if node is not None else 0


class SourceReader:
    """Typed access to the nodes of one YAML file; problems are appended to ``issues``."""

    def __init__(self, path: Path, issues: list[LintIssue]) -> None:
        self.path = path
        self.issues = issues

    def report(self, node: Node | None, fld: str, message: str, *, warning: bool = False) -> None:
        """Record a problem at ``node``."""
        severity = Severity.WARNING if warning else Severity.ERROR
        self.issues.append(LintIssue(self.path, line_of(node), fld, message, severity))

    def load(self) -> Node | None:
        """The root node of the file, or ``None`` (with an issue) when unreadable or not YAML."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.issues.append(LintIssue(self.path, 0, "(file)", f"cannot read: {exc}"))
            return None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            problem = exc.problem or exc.context or "syntax error"
            self.issues.append(LintIssue(self.path, line, "(yaml)", f"invalid YAML: {problem}"))
            return None
        except yaml.YAMLError as exc:
            self.issues.append(LintIssue(self.path, 0, "(yaml)", f"invalid YAML: {exc}"))
            return None
        if root is None:
            self.issues.append(LintIssue(self.path, 0, "(file)", "empty file"))
        return root

    def mapping(self, node: Node, fld: str) -> dict[str, tuple[ScalarNode, Node]] | None:
        """The entries of a mapping node, keyed by their text; ``None`` if ``node`` is not a mapping."""
        if not isinstance(node, MappingNode):
            self.report(node, fld or "(root)", f"expected a mapping, got {_kind(node)}")
            return None
        out: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            name = f"{fld}." if fld else ""
            if not isinstance(key, ScalarNode):
                self.report(key, fld or "(root)", "keys must be plain text")
                continue
            if key.value in out:
                self.report(key, name + key.value, "duplicate key")
                continue
            out[key.value] = (key, value)
        return out

    def check_keys(
        self,
        entries: dict[str, tuple[ScalarNode, Node]],
        node: Node,
        fld: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> None:
        """Report missing required keys and unknown keys."""
        prefix = f"{fld}." if fld else ""
        for name in required:
            if name not in entries:
                self.report(node, prefix + name, "missing translation" if name in LANGS else "missing field")
        known = set(required) | set(optional)
        for name, (key, _) in entries.items():
            if name not in known:
                self.report(key, prefix + name, f"unknown field (expected one of: {', '.join(sorted(known))})")

    def text(self, node: Node, fld: str, *, allow_empty: bool = False) -> str | None:
        """A scalar as written; ``None`` (with an issue) for a list, a mapping, or an unwanted empty value."""
        if not isinstance(node, ScalarNode):
            self.report(node, fld, f"expected text, got {_kind(node)}")
            return None
        value = "" if node.tag == _NULL_TAG and node.style is None else str(node.value)
        value = value.strip()
        if not value and not allow_empty:
            self.report(node, fld, "must not be empty")
            return None
        return value

    def text_list(self, node: Node, fld: str) -> list[tuple[str, Node]]:
        """The non-empty texts of a sequence node, each with its node."""
        if not isinstance(node, SequenceNode):
            self.report(node, fld, f"expected a list, got {_kind(node)}")
            return []
        out: list[tuple[str, Node]] = []
        for i, item in enumerate(node.value):
            value = self.text(item, f"{fld}[{i}]")
            if value is not None:
                out.append((value, item))
        return out


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
        return "nothing"
    return "text"
