"""ARI client: REST calls via httpx, events via a websocket that reconnects with bounded backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ivr.clock import Clock, SystemClock
from ivr.errors import AriError, AriNotFound
from ivr.telephony.ari.events import AriEvent, AriProtocolError, parse_event

log = logging.getLogger(__name__)

Params = Mapping[str, str | int | float | bool]


class Backoff:
    """Reconnect delays: exponential, capped, and never below a minimum (no reconnect storm).

    The cap is 2 s: while Asterisk restarts (1.6-2.7 s to stop, 0.5-1.2 s to answer ARI again), a 10 s cap meant
    calls arriving in the next 8 s found no app and went to reception; one attempt every 2 s costs nothing.
    """

    def __init__(self, minimum: float = 0.5, maximum: float = 2.0) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self._next = minimum

    def next_delay(self) -> float:
        """The delay before the next attempt; doubles each time."""
        delay = self._next
        self._next = min(self.maximum, self._next * 2)
        return delay

    def reset(self) -> None:
        """A connection lived: start over from the minimum."""
        self._next = self.minimum


class AriClient:
    """One ARI application on one Asterisk."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        app: str,
        *,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self._auth = (user, password)
        self._clock = clock or SystemClock()
        self._backoff = backoff or Backoff()
        self._http = httpx.AsyncClient(base_url=self.base_url + "/ari", auth=self._auth, timeout=timeout)
        self._ws: Any = None
        self.connected = asyncio.Event()
        self.reconnects = 0

    async def aclose(self) -> None:
        """Close the websocket and the HTTP pool."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        await self._http.aclose()

    # --- REST -------------------------------------------------------------------------------------

    async def request(
        self, method: str, path: str, params: Params | None = None, body: Any = None
    ) -> Any:
        """One REST call; errors become ``AriError`` / ``AriNotFound``."""
        query = {k: _fmt(v) for k, v in (params or {}).items()}
        try:
            resp = await self._http.request(method, path, params=query, json=body)
        except httpx.HTTPError as exc:
            raise AriError(f"ARI {method} {path}: {exc}", status=0, retryable=True) from exc
        if resp.status_code == 404:
            raise AriNotFound(f"ARI {method} {path}: not found", status=404)
        if resp.status_code >= 400:
            raise AriError(f"ARI {method} {path}: {resp.status_code} {resp.text[:200]}", status=resp.status_code)
        if not resp.content:
            return None
        return resp.json()

    async def info(self) -> Any:
        """``GET /asterisk/info`` (used as a readiness probe)."""
        return await self.request("GET", "/asterisk/info")

    async def answer(self, channel_id: str) -> None:
        """Answer a channel."""
        await self.request("POST", f"/channels/{channel_id}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """Hang a channel up; already gone is fine."""
        with contextlib.suppress(AriNotFound):
            await self.request("DELETE", f"/channels/{channel_id}", {"reason": reason})

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        """Leave Stasis and continue in the dialplan."""
        await self.request(
            "POST",
            f"/channels/{channel_id}/continue",
            {"context": context, "extension": extension, "priority": priority},
        )

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        """Set a channel variable."""
        await self.request("POST", f"/channels/{channel_id}/variable", {"variable": name, "value": value})

    async def get_variable(self, channel_id: str, name: str) -> str:
        """Read a channel variable."""
        res = await self.request("GET", f"/channels/{channel_id}/variable", {"variable": name})
        return str(res.get("value", "")) if isinstance(res, dict) else ""

    async def list_channels(self) -> list[dict[str, Any]]:
        """Every channel Asterisk has."""
        res = await self.request("GET", "/channels")
        return list(res) if isinstance(res, list) else []

    async def external_media(
        self, *, host: str, data: str, fmt: str = "slin16", encapsulation: str = "audiosocket"
    ) -> str:
        """Create an AudioSocket external-media channel towards ``host``; returns its channel id."""
        res = await self.request(
            "POST",
            "/channels/externalMedia",
            {
                "app": self.app,
                "external_host": host,
                "format": fmt,
                "encapsulation": encapsulation,
                "transport": "tcp",
                "data": data,
            },
        )
        return str(res["id"])

    async def create_bridge(self, kind: str = "mixing") -> str:
        """Create a bridge; returns its id."""
        res = await self.request("POST", "/bridges", {"type": kind})
        return str(res["id"])

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        """Put a channel in a bridge."""
        await self.request("POST", f"/bridges/{bridge_id}/addChannel", {"channel": channel_id})

    async def destroy_bridge(self, bridge_id: str) -> None:
        """Destroy a bridge; already gone is fine."""
        with contextlib.suppress(AriNotFound):
            await self.request("DELETE", f"/bridges/{bridge_id}")

    async def snoop(self, channel_id: str, *, spy: str, app_args: str = "snoop") -> str:
        """A snoop channel hearing ``channel_id`` (``spy=in``: what it says, ``out``: what it hears)."""
        res = await self.request(
            "POST", f"/channels/{channel_id}/snoop", {"spy": spy, "app": self.app, "appArgs": app_args}
        )
        return str(res["id"])

    async def create_channel(
        self, endpoint: str, *, app_args: str = "", channel_id: str = "", formats: str = "ulaw"
    ) -> str:
        """Create an outgoing channel already in our application (not dialled yet); returns its id."""
        params: dict[str, str] = {"endpoint": endpoint, "app": self.app}
        if app_args:
            params["appArgs"] = app_args
        if channel_id:
            params["channelId"] = channel_id
        if formats:
            params["formats"] = formats
        res = await self.request("POST", "/channels/create", params)
        return str(res["id"])

    async def dial(self, channel_id: str, timeout: int = 30, caller: str = "") -> None:
        """Dial a created channel (``ChannelStateChange`` to ``Up`` when answered)."""
        params: dict[str, str | int] = {"timeout": timeout}
        if caller:
            params["caller"] = caller
        await self.request("POST", f"/channels/{channel_id}/dial", params)

    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]:
        """One endpoint's state (``online``/``offline``) and its channel ids."""
        res = await self.request("GET", f"/endpoints/{tech}/{resource}")
        return dict(res) if isinstance(res, dict) else {}

    async def list_bridges(self) -> list[dict[str, Any]]:
        """Every bridge Asterisk has."""
        res = await self.request("GET", "/bridges")
        return list(res) if isinstance(res, list) else []

    async def play(self, channel_id: str, media: str, playback_id: str | None = None) -> str:
        """Play ``media`` (``sound:...``) to a channel; returns the playback id."""
        params: dict[str, str] = {"media": media}
        if playback_id:
            params["playbackId"] = playback_id
        res = await self.request("POST", f"/channels/{channel_id}/play", params)
        return str(res["id"])

    async def stop_playback(self, playback_id: str) -> None:
        """Stop a playback; already finished is fine."""
        with contextlib.suppress(AriNotFound):
            await self.request("DELETE", f"/playbacks/{playback_id}")

    async def originate(
        self,
        endpoint: str,
        *,
        app_args: str = "",
        caller_id: str = "",
        timeout: int = 30,
        variables: Mapping[str, str] | None = None,
        formats: str = "",
        channel_id: str = "",
    ) -> str:
        """Originate a channel into our application; returns its id."""
        params: dict[str, str | int] = {"endpoint": endpoint, "app": self.app, "timeout": timeout}
        if channel_id:
            params["channelId"] = channel_id
        if app_args:
            params["appArgs"] = app_args
        if caller_id:
            params["callerId"] = caller_id
        if formats:
            params["formats"] = formats
        body = {"variables": dict(variables)} if variables else None
        res = await self.request("POST", "/channels", params, body)
        return str(res["id"])

    # --- events -----------------------------------------------------------------------------------

    def _ws_url(self) -> str:
        url = self.base_url.replace("http://", "ws://").replace("https://", "wss://")
        user, password = self._auth
        return f"{url}/ari/events?app={self.app}&api_key={user}:{password}&subscribeAll=false"

    async def events(self) -> AsyncIterator[AriEvent]:
        """Typed events forever, reconnecting with backoff when the websocket drops."""
        while True:
            try:
                async with websockets.connect(self._ws_url(), open_timeout=5, ping_interval=10) as ws:
                    self._ws = ws
                    self.connected.set()
                    log.info("ARI websocket connected (app %s)", self.app)
                    async for message in ws:
                        self._backoff.reset()
                        try:
                            yield parse_event(json.loads(message))
                        except (AriProtocolError, ValueError) as exc:
                            log.warning("ignoring malformed ARI event: %s", exc)
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, TimeoutError) as exc:
                log.warning("ARI websocket lost: %s", exc)
            finally:
                self._ws = None
                self.connected.clear()
            self.reconnects += 1
            delay = self._backoff.next_delay()
            log.info("ARI websocket reconnecting in %.1f s", delay)
            await self._clock.sleep(delay)

    async def drop_websocket(self) -> None:
        """Close the events websocket (tests use it to prove reconnection)."""
        if self._ws is not None:
            await self._ws.close()


def _fmt(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
