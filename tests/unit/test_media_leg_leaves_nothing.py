"""A call whose media leg never comes up leaves nothing waiting in the AudioSocket server (issue 11, memory).

Each leg reserves a slot (a future keyed by its UUID) before asking Asterisk for ``externalMedia``. A failed
request or a caller who hangs up during set-up used to leave that slot for the process's life: a small leak
per failed call, unbounded over weeks. The leg's bridge is destroyed too.
"""

from __future__ import annotations

import asyncio

import pytest

from ivr.errors import AriError
from ivr.telephony.audiosocket import AudioSocketServer
from ivr.telephony.medialeg import attach_media
from ivr.testing.fake_ari import FakeAri


async def test_a_refused_external_media_leaves_no_slot_and_no_bridge() -> None:
    ari, server = FakeAri(), AudioSocketServer("127.0.0.1", 0)
    ari.fail("external_media", AriError("boom", status=500))
    with pytest.raises(AriError):
        await attach_media(ari, server, "chan-1", "127.0.0.1:0")  # type: ignore[arg-type]
    assert server.pending == 0
    assert len(ari.ops("destroy_bridge")) == 1


async def test_a_call_ended_while_waiting_for_asterisk_leaves_no_slot() -> None:
    ari, server = FakeAri(), AudioSocketServer("127.0.0.1", 0)
    leg = asyncio.create_task(attach_media(ari, server, "chan-1", "127.0.0.1:0"))  # type: ignore[arg-type]
    for _ in range(3):  # create_bridge, external_media, then the leg waits for Asterisk
        await asyncio.sleep(0)
    assert ari.ops("external_media")
    assert server.pending == 1  # the slot exists while Asterisk has not connected
    leg.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leg
    assert server.pending == 0
    assert len(ari.ops("hangup")) == 1  # the half-made media channel is hung up


def test_forget_cancels_the_waiting_future() -> None:
    async def run() -> None:
        server = AudioSocketServer("127.0.0.1", 0)
        slot = server.new_call_uuid()
        fut = server._waiting[slot]
        server.forget(slot)
        server.forget(slot)  # twice is harmless
        assert fut.cancelled() and server.pending == 0

    asyncio.run(run())
