"""What the dialog reads from the knowledge base, as a small protocol, plus the adapter from the loader.

The dialog never touches the loader's classes directly: :func:`from_kb` wraps a
:class:`ivr.nlu.model.KnowledgeBase`, and tests build a :class:`StaticKnowledge` by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from ivr.dialog.labels import intent_label
from ivr.nlu.model import IntentKind

if TYPE_CHECKING:
    from ivr.nlu.model import KnowledgeBase

Slots = tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class IntentView:
    """One intent, as the dialog needs it."""

    id: str
    service: str
    kind: IntentKind
    voice: Mapping[str, str] = field(default_factory=dict)
    """Language -> spoken answer (may be empty)."""
    offer: str = "none"
    """Follow-up offer: ``sms`` | ``transfer`` | ``none``."""
    link: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    """Language -> short label with its article ("le passeport"); defaults to the built-in table."""

    def answer(self, lang: str) -> str:
        """The spoken answer in ``lang`` (French if missing)."""
        return self.voice.get(lang) or self.voice.get("fr", "")

    def label(self, lang: str) -> str:
        """A short human label with its article, e.g. "le passeport" / "passports"."""
        return self.labels.get(lang) or intent_label(self.id, lang)


@dataclass(frozen=True, slots=True)
class ServiceView:
    """One service (a queue): its names and opening hours."""

    id: str
    name: Mapping[str, str]
    hours: Mapping[str, Slots] = field(default_factory=dict)
    """Weekday (``mon`` .. ``sun``) -> opening slots; missing/empty = closed."""
    closures: tuple[date, ...] = ()


class KnowledgeView(Protocol):
    """The part of the knowledge base the dialog reads."""

    def intent(self, intent_id: str) -> IntentView | None:
        """The intent, or ``None`` if unknown."""
        ...

    def service_name(self, service_id: str, lang: str) -> str:
        """The service's spoken name in ``lang``."""
        ...

    def services(self) -> Sequence[ServiceView]:
        """Every service, in file order."""
        ...


class StaticKnowledge:
    """An in-memory :class:`KnowledgeView` (what :func:`from_kb` returns, and what tests build)."""

    def __init__(self, intents: Sequence[IntentView], services: Sequence[ServiceView]) -> None:
        self._intents = MappingProxyType({i.id: i for i in intents})
        self._services = tuple(services)
        self._by_id = MappingProxyType({s.id: s for s in services})

    def intent(self, intent_id: str) -> IntentView | None:
        """The intent, or ``None`` if unknown."""
        return self._intents.get(intent_id)

    def service_name(self, service_id: str, lang: str) -> str:
        """The service's name in ``lang`` (French, then the id, as fallbacks)."""
        svc = self._by_id.get(service_id)
        if svc is None:
            return service_id.replace("_", " ")
        return svc.name.get(lang) or svc.name.get("fr") or service_id.replace("_", " ")

    def services(self) -> Sequence[ServiceView]:
        """Every service."""
        return self._services


def from_kb(kb: KnowledgeBase) -> StaticKnowledge:
    """Adapt the loader's :class:`~ivr.nlu.model.KnowledgeBase` to the dialog's view."""
    intents = [
        IntentView(
            id=i.id,
            service=i.service,
            kind=i.kind,
            voice={lang: a.voice for lang, a in i.answers.items()},
            offer=i.follow_up.offer,
            link=i.follow_up.link,
        )
        for i in kb.intents.values()
    ]
    services = [
        ServiceView(id=s.id, name=dict(s.name), hours=dict(s.hours), closures=tuple(s.closures))
        for s in kb.services.values()
    ]
    return StaticKnowledge(intents, services)
