"""Turns a prompt key and raw values (service ids, datetimes, intent ids) into a final ``Say``.

Values are localised at render time, so the same prompt can be replayed in another language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ivr.config import DialogSettings
from ivr.dialog.actions import Say
from ivr.dialog.hours import OpeningHours
from ivr.dialog.kbview import KnowledgeView
from ivr.dialog.labels import bare_label, intent_label
from ivr.dialog.prompts import render
from ivr.dialog.spoken_time import say_week, say_when

ANSWER_PREFIX = "answer:"
_NOT_INTERRUPTIBLE = ("emergency_",)


@dataclass(frozen=True, slots=True)
class PromptRef:
    """A prompt to say, with raw (not yet localised) values; kept so it can be repeated."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


def other_language(lang: str) -> str:
    """``en`` for ``fr`` and the reverse."""
    return "fr" if lang == "en" else "en"


class Speaker:
    """Renders :class:`PromptRef` into :class:`Say` for a language, at a given time."""

    def __init__(self, kb: KnowledgeView, hours: OpeningHours, settings: DialogSettings) -> None:
        self._kb = kb
        self._hours = hours
        self._settings = settings

    def label(self, intent_id: str, lang: str) -> str:
        """The intent's label with article (the built-in table if the intent is unknown)."""
        view = self._kb.intent(intent_id)
        return view.label(lang) if view is not None else intent_label(intent_id, lang)

    def _localise(self, name: str, value: object, lang: str, now: datetime) -> object:
        if name == "service" and isinstance(value, str):
            return self._kb.service_name(value, lang)
        if name == "when" and isinstance(value, datetime):
            return say_when(self._hours.local(value), self._hours.local(now), lang)
        if name == "hours" and isinstance(value, str):
            return say_week(self._hours.week_of(value), lang)
        if name in ("a", "b", "intent") and isinstance(value, str):
            return self.label(value, lang)
        if name == "topic" and isinstance(value, str):
            return bare_label(self.label(value, lang))
        return value

    def menu_text(self, lang: str) -> str:
        """The keypad menu: 0 = reception, 1..n = ``settings.menu_services``, * = repeat."""
        parts = [render("menu_reception", lang)]
        for digit, service in enumerate(self._settings.menu_services, start=1):
            name = self._kb.service_name(service, lang)
            parts.append(render("menu_item", lang, service=name, digit=digit))
        parts.append(render("menu_repeat", lang))
        return " ".join(parts)

    def say(self, ref: PromptRef, lang: str, now: datetime) -> Say:
        """The final ``Say`` for ``ref`` in ``lang``."""
        key = ref.key
        if key.startswith(ANSWER_PREFIX):
            view = self._kb.intent(key[len(ANSWER_PREFIX):])
            return Say(key, view.answer(lang) if view is not None else "", lang)
        if key == "menu":
            return Say(key, self.menu_text(lang), lang)
        if key == "language_offer":
            other = other_language(lang)
            return Say(key, render(key, other), other)
        values: dict[str, object] = {"city": self._settings.city_name}
        values.update({k: self._localise(k, v, lang, now) for k, v in ref.values.items()})
        return Say(key, render(key, lang, **values), lang, interruptible=not key.startswith(_NOT_INTERRUPTIBLE))
