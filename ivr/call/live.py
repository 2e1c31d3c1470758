"""The calls in the bot right now, and their events, as the web consoles see them.

:class:`LiveCalls` is what the web app asks of the running bot; it lives here, with the call layer, so the
web depends on the call and never the other way round. :class:`HubLiveCalls` follows the event hub.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from ivr.call.events import CallEvent, EventHub, Handoff, Hangup, IntentMatched, Started
from ivr.dialog.records import LanguageChosen, StateChanged


@dataclass(frozen=True, slots=True)
class LiveCallView:
    """One call in the bot right now, as the supervisor sees it."""

    call_id: str
    started_at: datetime
    lang: str = "fr"
    state: str = ""
    """The call state machine's current state, e.g. ``listening``, ``answering``, ``transferring``."""
    intent: str | None = None
    """The last recognised intent."""
    service: str | None = None
    caller_number: str = ""
    """Personal data: shown masked on the dashboard."""


class LiveCalls(Protocol):
    """The calls in progress (implemented by the bot; a fake in :mod:`ivr.testing.web`)."""

    def active(self) -> list[LiveCallView]:
        """The calls in the bot right now."""
        ...

    def subscribe(self) -> AsyncIterator[CallEvent]:
        """Every call event from now on, until the consumer stops iterating."""
        ...


class HubLiveCalls:
    """Follows the event hub: a call appears on ``started`` and leaves on ``hangup`` or hand-off."""

    def __init__(self, hub: EventHub) -> None:
        self._hub = hub
        self._calls: dict[str, LiveCallView] = {}
        hub.add_sink(self._track)

    async def _track(self, ev: CallEvent) -> None:
        view = self._calls.get(ev.call_id)
        match ev.body:
            case Started(number=number):
                self._calls[ev.call_id] = LiveCallView(ev.call_id, ev.at, state="greeting", caller_number=number)
            case _ if view is None:
                return
            case Hangup() | Handoff():
                self._calls.pop(ev.call_id, None)
            case IntentMatched(intent=intent):
                self._calls[ev.call_id] = replace(view, intent=intent, state="answering")
            case StateChanged(target=target):
                self._calls[ev.call_id] = replace(view, state=target.lower())
            case LanguageChosen(lang=lang):
                self._calls[ev.call_id] = replace(view, lang=lang)

    def active(self) -> list[LiveCallView]:
        """The calls in progress, oldest first."""
        return sorted(self._calls.values(), key=lambda v: v.started_at)

    def subscribe(self) -> AsyncIterator[CallEvent]:
        """Every call event from now on."""
        return self._hub.subscribe()
