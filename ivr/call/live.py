"""The calls in the bot right now, and their events, as the web consoles see them (``LiveCalls``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from ivr.call.events import CallEvent, EventHub
from ivr.web.context import LiveCallView

_ENDED = ("hangup",)


class HubLiveCalls:
    """Follows the event hub: a call appears on ``started`` and leaves on ``hangup`` or hand-off."""

    def __init__(self, hub: EventHub) -> None:
        self._hub = hub
        self._calls: dict[str, LiveCallView] = {}
        hub.add_sink(self._track)

    async def _track(self, ev: CallEvent) -> None:
        view = self._calls.get(ev.call_id)
        if ev.kind == "started":
            self._calls[ev.call_id] = LiveCallView(
                ev.call_id, ev.at, state="greeting", caller_number=str(ev.data.get("number", ""))
            )
        elif view is None:
            return
        elif ev.kind in _ENDED or (ev.kind == "transfer" and "summary" in ev.data):
            self._calls.pop(ev.call_id, None)
        elif ev.kind == "intent":
            self._calls[ev.call_id] = _replace(view, intent=ev.data.get("intent"), state="answering")
        elif ev.kind == "state":
            self._calls[ev.call_id] = _replace(view, state=str(ev.data.get("to", "")).lower())
        elif ev.kind == "language":
            self._calls[ev.call_id] = _replace(view, lang=str(ev.data.get("lang", view.lang)))

    def active(self) -> list[LiveCallView]:
        """The calls in progress, oldest first."""
        return sorted(self._calls.values(), key=lambda v: v.started_at)

    async def subscribe(self) -> AsyncIterator[Mapping[str, Any]]:
        """Every call event from now on, as mappings with ``kind`` and ``call_id``."""
        async for ev in self._hub.subscribe():
            data = ev.as_dict()
            if ev.kind == "say" and str(ev.data.get("key", "")).startswith("answer:"):
                data = {**data, "kind": "answer", "intent": str(ev.data["key"]).split(":", 1)[1]}
            yield data


def _replace(view: LiveCallView, **changes: Any) -> LiveCallView:
    from dataclasses import replace

    return replace(view, **changes)
