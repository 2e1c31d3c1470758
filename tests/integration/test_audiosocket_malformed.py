"""Malformed AudioSocket frames over a real TCP socket: dropped, and a run of them is reported as broken."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from ivr.telephony.audiosocket import AudioSocketError, AudioSocketServer, encode_frame
from ivr.telephony.framecheck import KIND_HANGUP, KIND_SLIN16, KIND_UUID, MAX_MALFORMED_IN_A_ROW

GOOD = b"\x10\x27" * 320  # 20 ms at 16 kHz


async def _connect(server: AudioSocketServer) -> tuple[asyncio.StreamWriter, str]:
    call_uuid = server.new_call_uuid()
    _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(encode_frame(KIND_UUID, uuid.UUID(call_uuid).bytes))
    await writer.drain()
    return writer, call_uuid


async def test_odd_length_and_unknown_frames_are_dropped_the_audio_goes_on() -> None:
    server = AudioSocketServer("127.0.0.1", 0)
    await server.start()
    try:
        writer, call_uuid = await _connect(server)
        conn = await server.wait_for(call_uuid, 5)
        writer.write(encode_frame(KIND_SLIN16, GOOD))
        writer.write(encode_frame(KIND_SLIN16, GOOD[:-1]))  # odd length
        writer.write(encode_frame(0x42, GOOD))  # unknown type
        writer.write(encode_frame(KIND_SLIN16, GOOD))
        writer.write(encode_frame(KIND_HANGUP, b""))
        await writer.drain()
        frames = [f async for f in conn.frames()]
        assert [len(f.pcm) for f in frames] == [640, 640]
        assert frames[1].timestamp == pytest.approx(0.02)  # dropped frames take no audio time
        assert conn.check.dropped == 2
        writer.close()
    finally:
        await server.stop()


async def test_a_stream_of_garbage_raises_so_the_call_goes_to_a_person() -> None:
    server = AudioSocketServer("127.0.0.1", 0)
    await server.start()
    try:
        writer, call_uuid = await _connect(server)
        conn = await server.wait_for(call_uuid, 5)
        writer.write(encode_frame(KIND_SLIN16, GOOD))
        for _ in range(MAX_MALFORMED_IN_A_ROW):
            writer.write(encode_frame(KIND_SLIN16, b"\x01\x02\x03"))
        await writer.drain()
        got = []
        with pytest.raises(AudioSocketError):
            async for frame in conn.frames():
                got.append(frame)
        assert len(got) == 1
        assert conn.closed  # never left in CLOSE-WAIT
        writer.close()
    finally:
        await server.stop()
