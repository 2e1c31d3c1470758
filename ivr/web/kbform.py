"""An intent file as a form for city staff, and back: same file, same linter as the YAML view.

``form_of(yaml_text)`` reads the fields staff edit (questions per language, the voice and chat answer per
language, service, kind, follow-up); ``yaml_of(form)`` writes the file back in the project's layout. The
form keeps no comments (the YAML view does); both views publish through ``kbedit.publish``, so the loader's
own rules decide what is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from ivr.errors import KnowledgeError
from ivr.nlu.model import LANGS

CHANNELS = ("voice", "chat")
OFFERS = ("none", "sms", "transfer")
KINDS = ("answer", "transfer", "callback", "emergency", "dialog")


@dataclass(frozen=True, slots=True)
class IntentForm:
    """What the form shows and posts."""

    id: str
    service: str = "accueil"
    kind: str = "answer"
    reviewed: str = ""
    questions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Language -> channel (``voice``, ``chat``) -> text, with ``{{fact}}`` placeholders."""
    offer: str = "none"
    link: str = ""


def _lines(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        return ()
    return tuple(s for s in (" ".join(str(v).split()) for v in value) if s)


def form_of(text: str, name: str) -> IntentForm:
    """The form of an intent file (a new, empty form for an empty text)."""
    data = yaml.safe_load(text) if text.strip() else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise KnowledgeError("an intent file is a mapping")
    utterances = data.get("utterances") or {}
    answer = data.get("answer") or {}
    follow = data.get("follow_up") or {}
    return IntentForm(
        id=str(data.get("id") or name),
        service=str(data.get("service") or "accueil"),
        kind=str(data.get("kind") or "answer"),
        reviewed=str(data.get("reviewed") or ""),
        questions={lang: _lines(utterances.get(lang)) for lang in LANGS},
        answers={lang: {ch: str((answer.get(lang) or {}).get(ch) or "") for ch in CHANNELS} for lang in LANGS},
        offer=str(follow.get("offer") or "none"),
        link=str(follow.get("link") or ""),
    )


def form_from_fields(name: str, fields: Mapping[str, str], today: date) -> IntentForm:
    """The form as posted: ``service``, ``kind``, ``questions_fr`` (one per line), ``answer_fr_voice``..."""
    return IntentForm(
        id=name,
        service=fields.get("service", "accueil").strip(),
        kind=fields.get("kind", "answer").strip(),
        reviewed=today.isoformat(),  # saving through the form is a review
        questions={lang: _lines(fields.get(f"questions_{lang}", "")) for lang in LANGS},
        answers={lang: {ch: " ".join(fields.get(f"answer_{lang}_{ch}", "").split()) for ch in CHANNELS}
                 for lang in LANGS},
        offer=fields.get("offer", "none").strip() or "none",
        link=fields.get("link", "").strip(),
    )


def yaml_of(form: IntentForm) -> str:
    """The intent file for ``form`` (keys in the project's order; empty parts left out for the linter)."""
    data: dict[str, Any] = {"id": form.id, "service": form.service, "kind": form.kind}
    if form.reviewed:
        data["reviewed"] = date.fromisoformat(form.reviewed)
    data["utterances"] = {lang: list(form.questions.get(lang, ())) for lang in LANGS}
    answers = {lang: {ch: text for ch in CHANNELS if (text := form.answers.get(lang, {}).get(ch, ""))}
               for lang in LANGS}
    if any(answers.values()):
        data["answer"] = {lang: a for lang, a in answers.items() if a}
    if form.offer != "none" or form.link:
        data["follow_up"] = {"offer": form.offer, **({"link": form.link} if form.link else {})}
    dumped: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return dumped
