"""Loading and linting the knowledge directory (``services.yaml``, ``facts.yaml``, ``intents/*.yaml``).

``lint_knowledge`` lists every problem; ``load_knowledge`` refuses a directory with errors (raising
:class:`KnowledgeLintError`) and returns a frozen :class:`KnowledgeBase` with facts substituted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import MappingProxyType

from ivr.nlu.model import (
    LANGS,
    Answer,
    Intent,
    IntentKind,
    KnowledgeBase,
    KnowledgeLintError,
    LintIssue,
    Service,
    Severity,
)
from ivr.nlu.parse import RawIntent, parse_facts, parse_intent, parse_services
from ivr.nlu.text import count_words, fact_names, find_urls, fold, substitute_facts
from ivr.nlu.yamlsrc import SourceReader, line_of

WORDS_PER_MINUTE = 150
"""Speaking rate used to estimate how long a voice answer lasts."""
MAX_VOICE_SECONDS = 25.0
MIN_UTTERANCES: dict[str, int] = {"fr": 10, "en": 4}


def intent_files(directory: Path) -> list[Path]:
    """The intent files, sorted."""
    folder = directory / "intents"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def knowledge_version(directory: Path) -> str:
    """A hash of every knowledge file's name and content."""
    digest = hashlib.sha256()
    files = [directory / "services.yaml", directory / "facts.yaml", *intent_files(directory)]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(directory)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _analyse(directory: Path) -> tuple[KnowledgeBase | None, list[LintIssue]]:
    issues: list[LintIssue] = []
    if not directory.is_dir():
        return None, [LintIssue(directory, 0, "(dir)", "knowledge directory not found")]
    services: dict[str, Service] = {}
    facts: dict[str, dict[str, str]] = {}
    fact_nodes: dict[str, object] = {}
    for name in ("services.yaml", "facts.yaml"):
        if not (directory / name).is_file():
            issues.append(LintIssue(directory / name, 0, "(file)", "missing file"))
    if (directory / "services.yaml").is_file():
        services = parse_services(SourceReader(directory / "services.yaml", issues))
    if (directory / "facts.yaml").is_file():
        facts, nodes = parse_facts(SourceReader(directory / "facts.yaml", issues))
        fact_nodes.update(nodes)
    files = intent_files(directory)
    if not files:
        issues.append(LintIssue(directory / "intents", 0, "(dir)", "no intent files"))
    raws: dict[str, RawIntent] = {}
    used_facts: set[str] = set()
    unreadable = False
    for path in files:
        reader = SourceReader(path, issues)
        raw = parse_intent(reader)
        if raw is None:
            unreadable = True
            continue
        if raw.id in raws:
            other = raws[raw.id].path.name
            reader.report(raw.id_node, "id", f"duplicate intent id {raw.id!r} (also in {other})")
            continue
        raws[raw.id] = raw
        _check_intent(reader, raw, services, facts, used_facts)
    _check_duplicate_utterances(raws, issues)
    for name in sorted(set(facts) - used_facts if not unreadable else ()):
        node = fact_nodes.get(name)
        line = line_of(node) if node is not None else 0  # type: ignore[arg-type]
        issues.append(LintIssue(directory / "facts.yaml", line, name, "fact never used", Severity.WARNING))
    if any(i.severity is Severity.ERROR for i in issues):
        return None, issues
    intents = {iid: _build_intent(raws[iid], facts) for iid in sorted(raws)}
    kb = KnowledgeBase(
        intents=MappingProxyType(intents),
        services=MappingProxyType(dict(services)),
        facts=MappingProxyType({k: MappingProxyType(v) for k, v in facts.items()}),
        version=knowledge_version(directory),
    )
    return kb, issues


def _check_intent(
    reader: SourceReader,
    raw: RawIntent,
    services: dict[str, Service],
    facts: dict[str, dict[str, str]],
    used_facts: set[str],
) -> None:
    if raw.service is not None and services and raw.service.text not in services:
        reader.report(raw.service.node, "service", f"unknown service {raw.service.text!r}")
    for lang, items in raw.utterances.items():
        need = MIN_UTTERANCES.get(lang, 1)
        if len(items) < need:
            node = items[0].node if items else raw.id_node
            reader.report(
                node, f"utterances.{lang}", f"only {len(items)} utterance(s), want at least {need}", warning=True
            )
    for lang, parts in raw.answers.items():
        for part, located in parts.items():
            fld = f"answer.{lang}.{part}"
            for name in fact_names(located.text):
                if name not in facts:
                    reader.report(located.node, fld, f"unknown fact {{{{{name}}}}}")
                else:
                    used_facts.add(name)
            if part != "voice":
                continue
            text = substitute_facts(located.text, {k: v.get(lang, "") for k, v in facts.items()})
            urls = find_urls(text)
            if urls:
                reader.report(located.node, fld, f"web address in a spoken answer: {urls[0]}")
            seconds = count_words(text) * 60.0 / WORDS_PER_MINUTE
            if seconds > MAX_VOICE_SECONDS:
                reader.report(
                    located.node, fld,
                    f"too long to speak: {count_words(text)} words ≈ {seconds:.0f} s (max {MAX_VOICE_SECONDS:.0f} s)",
                )


def _check_duplicate_utterances(raws: dict[str, RawIntent], issues: list[LintIssue]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for iid, raw in raws.items():
        reader = SourceReader(raw.path, issues)
        for lang, items in raw.utterances.items():
            for i, located in enumerate(items):
                key = fold(located.text)
                fld = f"utterances.{lang}[{i}]"
                if not key:
                    reader.report(located.node, fld, "utterance has no words")
                    continue
                if key not in seen:
                    seen[key] = (iid, f"{raw.path.name}:{line_of(located.node)}")
                elif seen[key][0] == iid:
                    reader.report(located.node, fld, f"repeated utterance (see {seen[key][1]})", warning=True)
                else:
                    reader.report(
                        located.node, fld,
                        f"utterance {located.text!r} also in intent {seen[key][0]!r} ({seen[key][1]})",
                    )


def _build_intent(raw: RawIntent, facts: dict[str, dict[str, str]]) -> Intent:
    assert raw.kind is not None and raw.reviewed is not None and raw.service is not None  # no errors
    answers: dict[str, Answer] = {}
    for lang in LANGS:
        values = {k: v.get(lang, "") for k, v in facts.items()}
        parts = raw.answers.get(lang, {})
        voice = parts["voice"].text if "voice" in parts else ""
        chat = parts["chat"].text if "chat" in parts else ""
        answers[lang] = Answer(substitute_facts(voice, values), substitute_facts(chat, values))
    utterances = {lang: tuple(u.text for u in raw.utterances.get(lang, [])) for lang in LANGS}
    return Intent(
        id=raw.id,
        service=raw.service.text,
        kind=IntentKind(raw.kind),
        reviewed=raw.reviewed,
        utterances=MappingProxyType(utterances),
        answers=MappingProxyType(answers),
        follow_up=raw.follow_up,
    )


def lint_knowledge(directory: Path) -> list[LintIssue]:
    """Every problem in the knowledge directory, errors and warnings, sorted by file and line."""
    return sorted(_analyse(directory)[1], key=lambda i: (str(i.path), i.line))


def load_knowledge(directory: Path) -> KnowledgeBase:
    """The validated knowledge base; raises :class:`KnowledgeLintError` if there is any error."""
    kb, issues = _analyse(directory)
    if kb is None:
        raise KnowledgeLintError(issues)
    return kb


def load_knowledge_with_warnings(directory: Path) -> tuple[KnowledgeBase, list[LintIssue]]:
    """Like :func:`load_knowledge`, also returning the warnings."""
    kb, issues = _analyse(directory)
    if kb is None:
        raise KnowledgeLintError(issues)
    return kb, issues
