"""Attacks on the web app over real HTTP (uvicorn on a loopback port, httpx as the attacker).

Call bombing and toll fraud through the public chat callback, password guessing and user enumeration,
stolen session cookies, oversized bodies, and personal data in the access log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from ivr.clock import VirtualClock
from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.matcher import Matcher
from ivr.store.db import Database, migrate
from ivr.store.models import CallbackRow
from ivr.store.users import UserRepository
from ivr.testing.lab import make_settings
from ivr.testing.web import FakeLiveCalls, FakeSmsOutbox, add_user
from ivr.web.app import create_app
from ivr.web.auth import hash_password
from ivr.web.context import WebContext

pytestmark = pytest.mark.slow


def no_matcher() -> Matcher:
    """These attacks never reach the matcher (no sentence encoder loaded)."""
    raise AssertionError("the matcher is not part of these tests")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """The running app and what the test inspects."""

    url: str
    ctx: WebContext
    outbox: FakeSmsOutbox
    clock: VirtualClock


@contextlib.asynccontextmanager
async def serve(tmp: Path, **sections: dict[str, Any]) -> AsyncIterator[Site]:
    """Serve the real app (real SQLite, real knowledge base) on a free loopback port."""
    settings = make_settings(tmp, **sections)
    await migrate(settings.database_url)
    db = Database(settings.database_url)
    outbox, clock = FakeSmsOutbox(), VirtualClock()
    holder = await asyncio.to_thread(KnowledgeHolder, settings.paths.knowledge_dir)
    ctx = WebContext(settings=settings, sessions=db.sessions, knowledge=holder, matcher=no_matcher,
                     live=FakeLiveCalls(), send_sms=outbox.send, clock=clock)
    for name, role in (("agent1", "agent"), ("admin", "admin")):
        await add_user(ctx, name, role, "motdepasse-" + name)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="info",
                                           lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield Site(f"http://127.0.0.1:{port}", ctx, outbox, clock)
    finally:
        server.should_exit = True
        await task
        await db.close()


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with serve(tmp_path) as s:
        yield s


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


@contextlib.asynccontextmanager
async def browser(site: Site, ip: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A client with its CSRF cookie; ``ip`` picks the loopback source address (another attacker)."""
    transport = httpx.AsyncHTTPTransport(local_address=ip)
    async with httpx.AsyncClient(base_url=site.url, transport=transport) as c:
        c.headers["X-CSRF-Token"] = _csrf((await c.get("/chat")).text)
        yield c


async def callbacks(site: Site) -> list[CallbackRow]:
    async with site.ctx.sessions() as s:
        return list((await s.scalars(select(CallbackRow).order_by(CallbackRow.id))).all())


def _code(site: Site) -> str:
    m = re.search(r"\b(\d{6})\b", site.outbox.sent[-1].text)
    assert m
    return m.group(1)


async def test_chat_callback_needs_the_sms_code_and_refuses_costly_numbers(site: Site) -> None:
    async with browser(site) as c:
        for phone in ("+44 7400 123456", "08 99 12 34 56", "08 10 12 34 56", "01 99 00 10 00", "3615"):
            r = await c.post("/api/chat/callback", json={"name": "Mallory", "phone": phone})
            assert r.status_code == 422, phone
        assert site.outbox.sent == [], "nothing texted to refused numbers"

        r = await c.post("/api/chat/callback", json={"name": "Émilie", "phone": "06 12 34 56 78",
                                                     "service": "etat_civil", "question": "acte de naissance"})
        assert r.status_code == 200 and r.json()["confirm"] is True
        token = r.json()["token"]
        assert site.outbox.sent[-1].number == "+33612345678"
        assert await callbacks(site) == [], "nothing scheduled before the code comes back"

        wrong = "000000" if _code(site) != "000000" else "111111"
        r = await c.post("/api/chat/callback/confirm", json={"token": token, "code": wrong})
        assert r.status_code == 422 and await callbacks(site) == []
        r = await c.post("/api/chat/callback/confirm", json={"token": token, "code": _code(site)})
        assert r.status_code == 200 and r.json()["ok"]
        rows = await callbacks(site)
        assert [(x.number, x.service, x.status) for x in rows] == [("+33612345678", "etat_civil", "pending")]
        assert "acte de naissance" in (rows[0].summary or "")
        r = await c.post("/api/chat/callback/confirm", json={"token": token, "code": _code(site)})
        assert r.status_code == 422, "a code works once"

        # one pending callback per number: asking again sends no new code
        sent = len(site.outbox.sent)
        r = await c.post("/api/chat/callback", json={"name": "Émilie", "phone": "+33 6 12 34 56 78"})
        assert r.status_code == 429 and len(site.outbox.sent) == sent


async def test_guessing_the_code_drops_the_request(site: Site) -> None:
    async with browser(site) as c:
        r = await c.post("/api/chat/callback", json={"name": "X", "phone": "06 11 11 11 11"})
        token, code = r.json()["token"], _code(site)
        wrong = [f"{n:06d}" for n in range(10) if f"{n:06d}" != code][:3]
        for guess in wrong:
            assert (await c.post("/api/chat/callback/confirm", json={"token": token, "code": guess})).status_code == 422
        r = await c.post("/api/chat/callback/confirm", json={"token": token, "code": code})
        assert r.status_code == 422 and await callbacks(site) == []


async def test_call_bombing_is_rate_limited_per_address_and_per_number(site: Site) -> None:
    async with browser(site, "127.0.0.1") as c:
        codes = [await c.post("/api/chat/callback", json={"name": "X", "phone": f"06 20 00 00 0{i}"})
                 for i in range(7)]
        assert [r.status_code for r in codes] == [200] * 5 + [429] * 2
    async with browser(site, "127.0.0.2") as c2, browser(site, "127.0.0.3") as c3:
        victim = "07 50 00 00 00"
        statuses = [(await cl.post("/api/chat/callback", json={"name": "X", "phone": victim})).status_code
                    for cl in (c2, c3, c2, c3)]
        assert statuses == [200, 200, 200, 429], "a victim's phone does not get more than 3 codes an hour"
    site.clock.advance(3601)
    async with browser(site, "127.0.0.1") as c:
        assert (await c.post("/api/chat/callback", json={"name": "X", "phone": "06 20 00 00 09"})).status_code == 200


async def _login(c: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await c.post("/login", data={"name": name, "password": password})


async def test_password_guessing_locks_the_name_and_the_address(site: Site) -> None:
    async with browser(site, "127.0.0.4") as c:
        assert [(await _login(c, "admin", f"guess{i}")).status_code for i in range(5)] == [401] * 5
        r = await _login(c, "admin", "motdepasse-admin")
        assert r.status_code == 429, "locked even with the right password"
    async with browser(site, "127.0.0.5") as other:
        assert (await _login(other, "admin", "motdepasse-admin")).status_code == 429, "the name is locked"
        assert (await _login(other, "agent1", "motdepasse-agent1")).status_code == 303
    async with browser(site, "127.0.0.6") as c:
        for i in range(20):
            await _login(c, f"user{i}", "x")
        assert (await _login(c, "agent1", "motdepasse-agent1")).status_code == 429, "the address is locked"
    site.clock.advance(901)
    async with browser(site, "127.0.0.4") as c:
        assert (await _login(c, "admin", "motdepasse-admin")).status_code == 303


async def test_unknown_user_costs_the_same_as_a_wrong_password(site: Site) -> None:
    async def timed(name: str) -> float:
        async with browser(site, "127.0.0.7") as c:
            start = time.perf_counter()
            assert (await _login(c, name, "wrong-password")).status_code == 401
            return time.perf_counter() - start

    known = sorted([await timed("agent1") for _ in range(3)])[1]
    unknown = sorted([await timed(f"nobody{i}") for i in range(3)])[1]
    # without the dummy hash an unknown name answers ~50x faster (one SELECT vs argon2)
    assert unknown > 0.4 * known, (unknown, known)


async def test_logout_and_password_change_kill_copied_cookies(site: Site) -> None:
    async with browser(site) as c:
        assert (await _login(c, "admin", "motdepasse-admin")).status_code == 303
        stolen = c.cookies.get("ivr_session")
        assert (await c.get("/admin")).status_code == 200
        c.headers["X-CSRF-Token"] = _csrf((await c.get("/chat")).text)
        assert (await c.post("/logout")).status_code == 303
    async with httpx.AsyncClient(base_url=site.url, cookies={"ivr_session": stolen or ""}) as thief:
        assert (await thief.get("/admin")).status_code == 303, "the copied cookie died with the logout"

    async with browser(site) as c:
        assert (await _login(c, "agent1", "motdepasse-agent1")).status_code == 303
        assert (await c.get("/agent")).status_code == 200
        await UserRepository(site.ctx.sessions).set_password_hash("agent1", hash_password("nouveau-secret-1"))
        assert (await c.get("/agent")).status_code == 303, "a password change ends open sessions"


async def test_headers_body_limit_and_secure_cookie_outside_loopback(site: Site, tmp_path: Path) -> None:
    async with browser(site) as c:
        page = await c.get("/login")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert page.headers["referrer-policy"] == "no-referrer"
        async with httpx.AsyncClient(base_url=site.url) as fresh:
            cookie = (await fresh.get("/login")).headers["set-cookie"].lower()
            assert "secure" not in cookie, "plain http on loopback (dev)"
        big = b'{"text": "' + b"a" * 2_000_000 + b'"}'
        r = await c.post("/api/chat", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"x" * 65536

        r = await c.post("/api/chat", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413, "a chunked body without Content-Length is capped too"

    async with serve(tmp_path / "public", web={"host": "192.0.2.10"}) as public, \
            httpx.AsyncClient(base_url=public.url) as c:
        cookie = (await c.get("/login")).headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie


async def test_access_log_carries_no_number(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    async with browser(site) as c:
        await _login(c, "agent1", "motdepasse-agent1")
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            await c.get("/api/agent/lookup", params={"number": "+33612345678"})
            await c.get("/api/agent/lookup?number=0612345678")
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("/api/agent/lookup" in line for line in lines), lines
    assert not any("612345678" in line for line in lines), lines
