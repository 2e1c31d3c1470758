"""Connect a caller's channel to Python: mixing bridge + AudioSocket external media."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from ivr.errors import AriError
from ivr.telephony.ari.protocol import Ari
from ivr.telephony.audiosocket import FRAME_BYTES, AudioSocketConnection, AudioSocketServer

log = logging.getLogger(__name__)


@dataclass
class MediaLeg:
    """The bridge, the external-media channel and the socket of one call."""

    bridge_id: str
    external_channel_id: str
    connection: AudioSocketConnection

    async def detach(self, ari: Ari) -> None:
        """Tear everything down (idempotent; never leaves a bridge, a channel or a socket behind)."""
        await self.connection.aclose()
        with contextlib.suppress(AriError):
            await ari.hangup(self.external_channel_id)
        with contextlib.suppress(AriError):
            await ari.destroy_bridge(self.bridge_id)


async def _silence(conn: AudioSocketConnection, stop: asyncio.Event) -> None:
    frame = b"\x00" * FRAME_BYTES
    while not stop.is_set() and not conn.closed:
        await conn.send(frame)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.02)


async def _add(ari: Ari, bridge_id: str, channel_id: str, attempts: int = 60) -> None:
    """Add a channel to a bridge; a channel Asterisk has not finished putting in Stasis gets a moment."""
    for attempt in range(attempts):
        try:
            await ari.add_to_bridge(bridge_id, channel_id)
            return
        except AriError as exc:
            # 422/409: "not in Stasis application" / "busy" while Stasis is still starting for it
            if getattr(exc, "status", 0) not in (409, 422) or attempt == attempts - 1:
                raise
            log.debug("bridge add of %s deferred: %s", channel_id, exc.message)
            await asyncio.sleep(0.05)


async def attach_media(ari: Ari, server: AudioSocketServer, channel_id: str, host: str) -> MediaLeg:
    """Bridge ``channel_id`` with a new AudioSocket leg and wait for Asterisk to connect."""
    bridge_id = await ari.create_bridge("mixing")
    call_uuid = server.new_call_uuid()
    ext_id = ""
    try:
        ext_id = await ari.external_media(host=host, data=call_uuid, fmt="slin16")
        conn = await server.wait_for(call_uuid)
        # Asterisk's AudioSocket channel blocks reading our socket; until the player takes over, feed it
        # silence so its Stasis control thread stays free to process the bridge operations.
        stop = asyncio.Event()
        keepalive = asyncio.create_task(_silence(conn, stop))
        try:
            await _add(ari, bridge_id, ext_id)
            await _add(ari, bridge_id, channel_id)
        finally:
            stop.set()
            await keepalive
    except BaseException:
        server.forget(call_uuid)
        if ext_id:
            with contextlib.suppress(AriError):
                await ari.hangup(ext_id)
        with contextlib.suppress(AriError):
            await ari.destroy_bridge(bridge_id)
        raise
    return MediaLeg(bridge_id, ext_id, conn)
