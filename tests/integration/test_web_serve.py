"""The bot's web task: served on a socket it binds itself; a taken port is a crash (the supervisor sees it)."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from ivr.probe.ports import free_port
from ivr.wiring import _serve_web


def server_on(port: int) -> uvicorn.Server:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    return server


async def test_serves_then_stops_cleanly() -> None:
    port = free_port()
    server = server_on(port)
    task = asyncio.create_task(_serve_web(server))
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                r = await client.get(f"http://127.0.0.1:{port}/ping")
                break
            await asyncio.sleep(0.05)
    assert r.json() == {"ok": "yes"}
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def test_a_taken_port_crashes_the_task_at_once() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        task = asyncio.create_task(_serve_web(server_on(squatter.getsockname()[1])))
        with pytest.raises(OSError, match="in use"):
            await asyncio.wait_for(task, 10)
