"""Editing the knowledge files from the browser: lint a draft with the real linter, publish atomically.

A draft is checked by copying the knowledge directory to a temporary one, writing the draft there and
running :func:`ivr.nlu.kb.lint_knowledge` on the copy, so the rules are exactly the loader's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ivr.errors import KnowledgeError
from ivr.nlu.kb import lint_knowledge, load_knowledge
from ivr.nlu.model import KnowledgeBase, LintIssue, Severity

INTENT_ID = re.compile(r"^[a-z0-9_]+$")
EDITABLE_FILES = ("services.yaml", "facts.yaml")


@dataclass(frozen=True, slots=True)
class DraftIssue:
    """A lint problem in the edited file (or another one the draft breaks)."""

    file: str
    line: int
    field: str
    message: str
    error: bool


def _unix(text: str) -> str:
    """Browsers post textareas with CRLF line ends; the files keep LF."""
    return text.replace("\r\n", "\n")


def file_for(directory: Path, name: str) -> Path:
    """Return the path of an editable file: ``intents/<id>.yaml`` or one of :data:`EDITABLE_FILES`."""
    if name in EDITABLE_FILES:
        return directory / name
    if INTENT_ID.match(name):
        return directory / "intents" / f"{name}.yaml"
    raise KnowledgeError(f"not an editable knowledge file: {name!r}")


def _issues(issues: list[LintIssue], root: Path) -> list[DraftIssue]:
    out = []
    for i in issues:
        try:
            shown = str(i.path.relative_to(root))
        except ValueError:
            shown = i.path.name
        out.append(DraftIssue(shown, i.line, i.field, i.message, i.severity is Severity.ERROR))
    return out


def lint_draft(directory: Path, name: str, text: str) -> list[DraftIssue]:
    """Lint the knowledge base as it would be with ``text`` as the content of file ``name``."""
    with tempfile.TemporaryDirectory(prefix="ivr-kb-") as tmp:
        root = Path(tmp) / "kb"
        shutil.copytree(directory, root)
        file_for(root, name).write_text(_unix(text), encoding="utf-8")
        return _issues(lint_knowledge(root), root)


def load_draft(directory: Path, name: str, text: str) -> KnowledgeBase:
    """Load the knowledge base with the draft in place (raises ``KnowledgeLintError`` on errors)."""
    with tempfile.TemporaryDirectory(prefix="ivr-kb-") as tmp:
        root = Path(tmp) / "kb"
        shutil.copytree(directory, root)
        file_for(root, name).write_text(_unix(text), encoding="utf-8")
        return load_knowledge(root)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(directory: Path, name: str, text: str) -> list[DraftIssue]:
    """Lint the draft and, when it has no error, write it in place; return the issues found."""
    issues = lint_draft(directory, name, text)
    if not any(i.error for i in issues):
        write_atomically(file_for(directory, name), _unix(text))
    return issues


def _yaml_scalar(text: str) -> str:
    """Write ``text`` plain when YAML reads it back unchanged, double-quoted otherwise."""
    try:
        if yaml.safe_load(text) == text and not text.startswith(tuple("-?:'\"{[!&*#|>%@`,")):
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def with_utterance(source: str, lang: str, utterance: str) -> str:
    """Return the intent file ``source`` with ``utterance`` appended to ``utterances.<lang>``.

    The edit is textual (a new ``- ...`` line after the list's last item) so comments and layout stay.
    """
    utterance = " ".join(utterance.split())
    if not utterance:
        raise KnowledgeError("empty utterance")
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    if not isinstance(root, MappingNode):
        raise KnowledgeError("intent file is not a mapping")
    utt = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "utterances"), None)
    if not isinstance(utt, MappingNode):
        raise KnowledgeError("intent file has no utterances mapping")
    seq = next((v for k, v in utt.value if isinstance(k, ScalarNode) and k.value == lang), None)
    if not isinstance(seq, SequenceNode) or not seq.value or seq.flow_style:
        raise KnowledgeError(f"intent file has no block list utterances.{lang}")
    last = seq.value[-1]
    lines = source.splitlines(keepends=True)
    first_item_line = lines[seq.value[0].start_mark.line]
    indent = first_item_line[: len(first_item_line) - len(first_item_line.lstrip())]
    insert_at = last.end_mark.line + (1 if last.end_mark.column > 0 else 0)
    new_line = f"{indent}- {_yaml_scalar(utterance)}\n"
    if insert_at > 0 and insert_at <= len(lines) and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += "\n"
    lines.insert(insert_at, new_line)
    return "".join(lines)
