"""Per-file schema checks: ``services.yaml``, ``facts.yaml`` and ``intents/<id>.yaml``.

Each parser returns what it could read plus the nodes needed to point at lines later; cross-file checks
(unknown service, unknown fact, duplicate utterances...) live in :mod:`ivr.nlu.kb`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from ivr.nlu.model import LANGS, WEEKDAYS, FollowUp, IntentKind, Service
from ivr.nlu.yamlsrc import SourceReader

_ID = re.compile(r"^[a-z0-9_]+$")
_SLOT = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_OFFERS = ("sms", "transfer", "none")


@dataclass
class Located:
    """A text with the node it came from."""

    text: str
    node: Node


@dataclass
class RawIntent:
    """An intent file as read, before facts are substituted."""

    path: Path
    id: str
    id_node: Node
    service: Located | None
    kind: IntentKind | None
    reviewed: date | None
    utterances: dict[str, list[Located]] = field(default_factory=dict)
    answers: dict[str, dict[str, Located]] = field(default_factory=dict)
    """Language -> ``voice``/``chat`` -> text."""
    follow_up: FollowUp = field(default_factory=FollowUp)


def parse_services(reader: SourceReader) -> dict[str, Service]:
    """``services.yaml``: ``id -> {name: {fr, en}, hours: {mon: ["08:30-12:00"]}, closures: [dates]}``."""
    root = reader.load()
    if root is None:
        return {}
    entries = reader.mapping(root, "")
    if entries is None:
        return {}
    out: dict[str, Service] = {}
    for sid, (key, node) in entries.items():
        if not _ID.match(sid):
            reader.report(key, sid, "service id must match [a-z0-9_]+")
        fields = reader.mapping(node, sid)
        if fields is None:
            continue
        reader.check_keys(fields, node, sid, ("name",), ("hours", "closures"))
        names = _lang_texts(reader, fields, "name", sid)
        hours = _hours(reader, fields["hours"][1], f"{sid}.hours") if "hours" in fields else {}
        closures: list[date] = []
        if "closures" in fields:
            for i, (text, item) in enumerate(reader.text_list(fields["closures"][1], f"{sid}.closures")):
                day = parse_date(reader, text, item, f"{sid}.closures[{i}]")
                if day is not None:
                    closures.append(day)
        out[sid] = Service(sid, names, hours, tuple(sorted(closures)))
    return out


def _hours(reader: SourceReader, node: Node, fld: str) -> dict[str, tuple[tuple[time, time], ...]]:
    days = reader.mapping(node, fld)
    if days is None:
        return {}
    out: dict[str, tuple[tuple[time, time], ...]] = {}
    for day, (key, value) in days.items():
        if day not in WEEKDAYS:
            reader.report(key, f"{fld}.{day}", f"unknown weekday (expected {', '.join(WEEKDAYS)})")
            continue
        slots: list[tuple[time, time]] = []
        for i, (text, item) in enumerate(reader.text_list(value, f"{fld}.{day}")):
            slot = _slot(text)
            if slot is None:
                reader.report(item, f"{fld}.{day}[{i}]", f"bad time range {text!r} (expected HH:MM-HH:MM)")
            else:
                slots.append(slot)
        out[day] = tuple(sorted(slots))
    return out


def _slot(text: str) -> tuple[time, time] | None:
    m = _SLOT.match(text)
    if m is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return None
    start, end = time(h1, m1), (time(23, 59, 59) if h2 == 24 else time(h2, m2))
    return (start, end) if start < end else None


def parse_date(reader: SourceReader, text: str, node: Node, fld: str) -> date | None:
    """An ISO date, or ``None`` with an issue."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        reader.report(node, fld, f"bad date {text!r} (expected YYYY-MM-DD)")
        return None


def parse_facts(reader: SourceReader) -> tuple[dict[str, dict[str, str]], dict[str, Node]]:
    """``facts.yaml``: name -> text, or name -> ``{fr, en}``. Returns the facts and their nodes."""
    root = reader.load()
    if root is None:
        return {}, {}
    entries = reader.mapping(root, "")
    if entries is None:
        return {}, {}
    facts: dict[str, dict[str, str]] = {}
    nodes: dict[str, Node] = {}
    for name, (key, node) in entries.items():
        nodes[name] = key
        if not _ID.match(name):
            reader.report(key, name, "fact name must match [a-z0-9_]+")
        if isinstance(node, MappingNode):
            fields = reader.mapping(node, name)
            if fields is None:
                continue
            reader.check_keys(fields, node, name, LANGS)
            texts = _lang_texts_of(reader, fields, name)
            if texts:
                facts[name] = texts
        else:
            text = reader.text(node, name)
            if text is not None:
                facts[name] = dict.fromkeys(LANGS, text)
    return facts, nodes


def parse_intent(reader: SourceReader) -> RawIntent | None:
    """One ``intents/<id>.yaml`` file (schema only)."""
    root = reader.load()
    if root is None:
        return None
    f = reader.mapping(root, "")
    if f is None:
        return None
    reader.check_keys(
        f, root, "", ("id", "service", "kind", "reviewed", "utterances", "answer"), ("follow_up",)
    )
    stem = reader.path.stem
    iid, id_node = stem, root
    if "id" in f:
        id_node = f["id"][1]
        text = reader.text(id_node, "id")
        if text is not None:
            if not _ID.match(text):
                reader.report(id_node, "id", f"id {text!r} must match [a-z0-9_]+")
            if text != stem:
                reader.report(id_node, "id", f"id {text!r} differs from the file name {stem!r}")
            iid = text
    raw = RawIntent(reader.path, iid, id_node, None, None, None)
    if "service" in f:
        text = reader.text(f["service"][1], "service")
        raw.service = Located(text, f["service"][1]) if text else None
    if "kind" in f:
        text = reader.text(f["kind"][1], "kind")
        if text is not None:
            try:
                raw.kind = IntentKind(text)
            except ValueError:
                allowed = ", ".join(k.value for k in IntentKind)
                reader.report(f["kind"][1], "kind", f"bad kind {text!r} (expected one of: {allowed})")
    if "reviewed" in f:
        text = reader.text(f["reviewed"][1], "reviewed")
        if text is not None:
            raw.reviewed = parse_date(reader, text, f["reviewed"][1], "reviewed")
    if "utterances" in f:
        _utterances(reader, f["utterances"][1], raw)
    if "answer" in f:
        _answers(reader, f["answer"][1], raw)
    if "follow_up" in f:
        raw.follow_up = _follow_up(reader, f["follow_up"][1])
    return raw


def _utterances(reader: SourceReader, node: Node, raw: RawIntent) -> None:
    langs = reader.mapping(node, "utterances")
    if langs is None:
        return
    reader.check_keys(langs, node, "utterances", LANGS)
    for lang in LANGS:
        if lang in langs:
            items = reader.text_list(langs[lang][1], f"utterances.{lang}")
            raw.utterances[lang] = [Located(t, n) for t, n in items]


def _answers(reader: SourceReader, node: Node, raw: RawIntent) -> None:
    langs = reader.mapping(node, "answer")
    if langs is None:
        return
    reader.check_keys(langs, node, "answer", LANGS)
    empty_ok = raw.kind is IntentKind.DIALOG
    for lang in LANGS:
        if lang not in langs:
            continue
        lnode = langs[lang][1]
        parts = reader.mapping(lnode, f"answer.{lang}")
        if parts is None:
            continue
        reader.check_keys(parts, lnode, f"answer.{lang}", ("voice", "chat"))
        got: dict[str, Located] = {}
        for part in ("voice", "chat"):
            if part in parts:
                pnode = parts[part][1]
                text = reader.text(pnode, f"answer.{lang}.{part}", allow_empty=empty_ok)
                if text is not None:
                    got[part] = Located(text, pnode)
        raw.answers[lang] = got


def _follow_up(reader: SourceReader, node: Node) -> FollowUp:
    f = reader.mapping(node, "follow_up")
    if f is None:
        return FollowUp()
    reader.check_keys(f, node, "follow_up", ("offer",), ("link",))
    offer = "none"
    if "offer" in f:
        text = reader.text(f["offer"][1], "follow_up.offer")
        if text is not None and text not in _OFFERS:
            reader.report(f["offer"][1], "follow_up.offer", f"bad offer {text!r} (expected sms, transfer, none)")
        elif text is not None:
            offer = text
    link: str | None = None
    if "link" in f:
        link = reader.text(f["link"][1], "follow_up.link")
        if link is not None and not link.startswith(("https://", "http://")):
            reader.report(f["link"][1], "follow_up.link", "link must start with https://")
    if offer == "sms" and link is None:
        reader.report(node, "follow_up.link", "offer sms needs a link to send")
    return FollowUp(offer, link)


def _lang_texts(
    reader: SourceReader, fields: dict[str, tuple[ScalarNode, Node]], name: str, parent: str
) -> dict[str, str]:
    if name not in fields:
        return {}
    node = fields[name][1]
    sub = reader.mapping(node, f"{parent}.{name}")
    if sub is None:
        return {}
    reader.check_keys(sub, node, f"{parent}.{name}", LANGS)
    return _lang_texts_of(reader, sub, f"{parent}.{name}")


def _lang_texts_of(reader: SourceReader, sub: dict[str, tuple[ScalarNode, Node]], fld: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in LANGS:
        if lang in sub:
            text = reader.text(sub[lang][1], f"{fld}.{lang}")
            if text is not None:
                out[lang] = text
    return out
