"""The call event stream: fan-out to sinks and subscribers; callers' words and numbers stay out of INFO logs."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ivr.call.events import CallEvent, CallEvents, EventHub
from ivr.clock import VirtualClock


async def test_private_data_stays_out_of_info_logs(caplog: pytest.LogCaptureFixture) -> None:
    hub = EventHub()
    events = CallEvents("c1", hub, VirtualClock().now)
    with caplog.at_level(logging.INFO, logger="ivr.call.events"):
        await events.emit("started", number="0612345678")
        await events.emit("transcript", speaker="caller", text="mon voisin Dupont me harcèle")
        await events.emit("transfer", service="accueil", summary="« mon voisin Dupont me harcèle »")
    logged = caplog.text
    assert "transfer" in logged and "accueil" in logged
    assert "Dupont" not in logged
    assert "0612345678" not in logged


async def test_sinks_and_subscribers_get_every_event_in_order() -> None:
    hub = EventHub()
    stored: list[CallEvent] = []

    async def sink(ev: CallEvent) -> None:
        stored.append(ev)

    async def failing(ev: CallEvent) -> None:
        raise RuntimeError("a broken sink never reaches the call")

    hub.add_sink(failing)
    hub.add_sink(sink)
    stream = hub.subscribe()
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    events = CallEvents("c1", hub, VirtualClock().now)
    await events.emit("say", key="greeting_open")
    await events.emit("hangup", outcome="resolved")
    assert [(e.seq, e.kind) for e in stored] == [(1, "say"), (2, "hangup")]
    assert (await first).kind == "say"
    await stream.aclose()
