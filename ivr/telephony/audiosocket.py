"""AudioSocket media transport: Asterisk connects to our TCP server, one connection per call.

Frame: type (1 byte), length (2 bytes, big-endian), payload. Types used: 0x00 hangup, 0x01 the call's UUID
(sent first), 0x12 signed-linear 16 kHz little-endian audio, 0xff error. Asterisk's ``externalMedia`` with
``format=slin16`` speaks 0x12 in both directions, which is already the internal format: no conversion.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from ivr.audio.frame import INTERNAL_RATE, AudioFrame
from ivr.errors import TelephonyError
from ivr.telephony.framecheck import (
    AUDIO_RATES,
    KIND_ERROR,
    KIND_HANGUP,
    KIND_SLIN16,
    KIND_UUID,
    FrameCheck,
    Verdict,
)

log = logging.getLogger(__name__)

FRAME_BYTES = 640  # 20 ms at 16 kHz


class AudioSocketError(TelephonyError):
    """Malformed AudioSocket stream (the call goes to a person)."""

    code = "audiosocket"
    retryable = False


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one frame; raises ``asyncio.IncompleteReadError`` at EOF."""
    header = await reader.readexactly(3)
    length = int.from_bytes(header[1:3], "big")
    payload = await reader.readexactly(length) if length else b""
    return header[0], payload


def encode_frame(kind: int, payload: bytes) -> bytes:
    """Encode one frame."""
    if len(payload) > 0xFFFF:
        raise AudioSocketError("AudioSocket payload too large")
    return bytes([kind]) + len(payload).to_bytes(2, "big") + payload


class AudioSocketConnection:
    """One call's AudioSocket connection (implements ``MediaConnection``)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, call_uuid: str) -> None:
        self.call_uuid = call_uuid
        self._reader = reader
        self._writer = writer
        self._closed = False
        self._pending = b""
        self._t = 0.0
        self.check = FrameCheck()

    @property
    def closed(self) -> bool:
        """Whether the socket is closed."""
        return self._closed

    async def frames(self) -> AsyncIterator[AudioFrame]:
        """Caller audio frames until hang-up or EOF; malformed frames are dropped.

        Raises :class:`AudioSocketError` when too many malformed frames come in a row (the caller must not be
        left in silence: the session sends the call to a person).
        """
        try:
            while not self._closed:
                try:
                    kind, payload = await read_frame(self._reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                verdict = self.check.check(kind, payload)
                if verdict is Verdict.AUDIO:
                    frame = AudioFrame(payload, rate=AUDIO_RATES.get(kind, INTERNAL_RATE), timestamp=self._t)
                    self._t += frame.duration
                    yield frame
                elif verdict is Verdict.END:
                    if kind == KIND_ERROR:
                        log.warning("AudioSocket error frame from Asterisk")
                    break
                elif verdict is Verdict.DROP:
                    log.warning("malformed AudioSocket frame dropped (type 0x%02x, %d bytes)", kind, len(payload))
                elif verdict is Verdict.BROKEN:
                    raise AudioSocketError(
                        f"{self.check.in_a_row} malformed AudioSocket frames in a row (last type 0x{kind:02x})")
        finally:
            await self.aclose()

    async def send(self, pcm: bytes) -> None:
        """Send PCM16 16 kHz audio in 20 ms frames (a trailing partial frame waits for more)."""
        if self._closed:
            return
        data = self._pending + pcm
        whole = len(data) - len(data) % FRAME_BYTES
        self._pending = data[whole:]
        try:
            for i in range(0, whole, FRAME_BYTES):
                self._writer.write(encode_frame(KIND_SLIN16, data[i : i + FRAME_BYTES]))
            await self._writer.drain()
        except ConnectionError:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the socket for good (never leave it in CLOSE-WAIT)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._writer.write(encode_frame(KIND_HANGUP, b""))
        self._writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.wait_closed(), 2)


class AudioSocketServer:
    """TCP server Asterisk connects to; hands each connection to whoever awaits its UUID."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._waiting: dict[str, asyncio.Future[AudioSocketConnection]] = {}
        self._live: set[AudioSocketConnection] = set()

    async def start(self) -> None:
        """Listen."""
        self._server = await asyncio.start_server(self._on_connect, self.host, self.port)
        sock = self._server.sockets[0].getsockname()
        self.port = int(sock[1])

    async def stop(self) -> None:
        """Stop listening and fail every pending wait."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        for fut in self._waiting.values():
            if not fut.done():
                fut.cancel()
        self._waiting.clear()
        # never leave Asterisk with a socket in CLOSE-WAIT: it can freeze its AudioSocket threads
        for conn in list(self._live):
            await conn.aclose()
        self._live.clear()

    def new_call_uuid(self) -> str:
        """A fresh UUID and a slot waiting for its connection."""
        call_uuid = str(uuid.uuid4())
        self._waiting[call_uuid] = asyncio.get_running_loop().create_future()
        return call_uuid

    def forget(self, call_uuid: str) -> None:
        """Drop the slot of a leg that will never be waited for.

        Its ``externalMedia`` request failed or the call ended first: otherwise each such call would leave one
        future behind for the process's life.
        """
        fut = self._waiting.pop(call_uuid, None)
        if fut is not None and not fut.done():
            fut.cancel()

    @property
    def pending(self) -> int:
        """Legs waiting for Asterisk to connect: bounded by the calls being set up, zero when idle."""
        return len(self._waiting)

    @property
    def live(self) -> int:
        """Open AudioSocket connections (closed ones are pruned as new ones arrive)."""
        self._live = {c for c in self._live if not c.closed}
        return len(self._live)

    async def wait_for(self, call_uuid: str, timeout: float = 5.0) -> AudioSocketConnection:
        """The connection Asterisk opens for ``call_uuid``."""
        fut = self._waiting[call_uuid]
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError as exc:
            raise AudioSocketError(f"Asterisk did not connect AudioSocket within {timeout} s") from exc
        finally:
            self._waiting.pop(call_uuid, None)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            kind, payload = await asyncio.wait_for(read_frame(reader), 5)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        if kind != KIND_UUID or len(payload) != 16:
            log.warning("AudioSocket connection without a UUID frame; closing")
            writer.close()
            return
        call_uuid = str(uuid.UUID(bytes=payload))
        fut = self._waiting.get(call_uuid)
        if fut is None or fut.done():
            log.warning("AudioSocket connection for an unknown call; closing")
            writer.close()
            return
        conn = AudioSocketConnection(reader, writer, call_uuid)
        self._live = {c for c in self._live if not c.closed}
        self._live.add(conn)
        fut.set_result(conn)
