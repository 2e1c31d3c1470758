"""An in-memory ARI for unit tests of the call and the Stasis router: records every request, plays events.

It implements the operations :class:`ivr.telephony.ari.protocol.Ari` names plus what the router uses (``events``,
``list_channels``, ``list_bridges``, ``app``). Requests are kept in order as ``(operation, args...)`` so a
test reads like the REST calls the real bot would make; ``fail`` makes the next requests of an operation
raise the error Asterisk would send.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from ivr.errors import AriError
from ivr.telephony.ari.events import AriEvent

Request = tuple[Any, ...]


class FakeAri:
    """Records requests; ``push`` feeds the event stream the router consumes."""

    def __init__(self, app: str = "ivr") -> None:
        self.app = app
        self.requests: list[Request] = []
        self.variables: dict[tuple[str, str], str] = {}
        self.channels: list[dict[str, Any]] = []
        self.bridges: list[dict[str, Any]] = []
        self._events: asyncio.Queue[AriEvent | None] = asyncio.Queue()
        self._failures: dict[str, list[AriError]] = {}
        self._ids = 0

    # --- test side ------------------------------------------------------------------------------------

    def push(self, event: AriEvent) -> None:
        """Deliver an ARI event to whoever iterates :meth:`events`."""
        self._events.put_nowait(event)

    def close(self) -> None:
        """End the event stream."""
        self._events.put_nowait(None)

    def fail(self, operation: str, error: AriError, times: int = 1) -> None:
        """Make the next ``times`` requests of ``operation`` raise ``error``."""
        self._failures.setdefault(operation, []).extend([error] * times)

    def ops(self, operation: str) -> list[Request]:
        """The recorded requests of one operation."""
        return [r for r in self.requests if r[0] == operation]

    def _record(self, *request: Any) -> None:
        self.requests.append(request)
        pending = self._failures.get(request[0])
        if pending:
            raise pending.pop(0)

    def _new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-{self._ids}"

    # --- the ARI operations ---------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[AriEvent]:
        """Events pushed by the test, until :meth:`close`."""
        while (event := await self._events.get()) is not None:
            yield event

    async def answer(self, channel_id: str) -> None:
        """Answer a channel."""
        self._record("answer", channel_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """Hang a channel up."""
        self._record("hangup", channel_id)

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        """Send a channel back to the dialplan."""
        self._record("continue", channel_id, context, extension)

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        """Set a channel variable."""
        self._record("set_variable", channel_id, name, value)
        self.variables[(channel_id, name)] = value

    async def get_variable(self, channel_id: str, name: str) -> str:
        """Read a channel variable (empty when unset)."""
        self._record("get_variable", channel_id, name)
        return self.variables.get((channel_id, name), "")

    async def external_media(
        self, *, host: str, data: str, fmt: str = "slin16", encapsulation: str = "audiosocket"
    ) -> str:
        """Create a media channel."""
        self._record("external_media", host, data)
        return self._new_id("media")

    async def create_bridge(self, kind: str = "mixing") -> str:
        """Create a bridge."""
        self._record("create_bridge", kind)
        return self._new_id("bridge")

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        """Put a channel in a bridge."""
        self._record("add_to_bridge", bridge_id, channel_id)

    async def destroy_bridge(self, bridge_id: str) -> None:
        """Destroy a bridge."""
        self._record("destroy_bridge", bridge_id)

    async def list_channels(self) -> list[dict[str, Any]]:
        """The channels set by the test."""
        self._record("list_channels")
        return list(self.channels)

    async def list_bridges(self) -> list[dict[str, Any]]:
        """The bridges set by the test."""
        self._record("list_bridges")
        return list(self.bridges)
