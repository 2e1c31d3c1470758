"""The web app over HTTP (ASGI in-process): accounts, roles, CSRF, chat, admin publish, agent APIs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ivr.config import PROJECT_ROOT
from ivr.nlu.kb import load_knowledge
from ivr.nlu.matcher import Matcher, build_matcher
from ivr.security.sip import endpoint_password
from ivr.store.callers import CallerKeys
from ivr.store.calls import CallRepository
from ivr.testing.lab import make_settings
from ivr.testing.web import FakeSmsOutbox, add_user
from ivr.web.app import create_app
from ivr.web.context import WebContext
from ivr.web.standalone import standalone_context


@pytest.fixture(scope="session")
def warm_matcher() -> Matcher:
    """Load the sentence encoder once for the whole session."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    return build_matcher(kb, PROJECT_ROOT / "knowledge" / "calibration.toml")


@pytest.fixture
async def ctx(tmp_path: Path, warm_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WebContext]:
    from ivr.web import standalone

    original = standalone.build_matcher
    monkeypatch.setattr(standalone, "build_matcher",
                        lambda kb, cal, enc=None: original(kb, cal, enc or getattr(warm_matcher, "encoder", None)))
    settings = make_settings(tmp_path)
    outbox = FakeSmsOutbox()
    async with standalone_context(settings, send_sms=outbox.send) as context:
        context.live.outbox = outbox  # type: ignore[attr-defined]
        for name, role in (("agent1", "agent"), ("sup", "supervisor"), ("admin", "admin")):
            await add_user(context, name, role, "motdepasse-" + name)
        yield context


@pytest.fixture
async def client(ctx: WebContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ctx)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


async def login(client: httpx.AsyncClient, name: str) -> str:
    page = await client.get("/login")
    token = _csrf(page.text)
    r = await client.post("/login", data={"name": name, "password": "motdepasse-" + name, "csrf": token})
    assert r.status_code == 303, r.text
    return _csrf((await client.get("/chat")).text)


async def test_pages_need_login_and_the_right_role(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/admin")
    assert (await client.get("/api/agent/sip")).status_code == 401
    await login(client, "agent1")
    assert (await client.get("/agent")).status_code == 200
    assert (await client.get("/admin")).status_code == 403
    assert (await client.get("/supervisor")).status_code == 403
    assert (await client.get("/admin/dialplan")).status_code == 403


async def test_admin_reaches_everything_and_logout_ends_session(client: httpx.AsyncClient) -> None:
    token = await login(client, "admin")
    for page in ("/agent", "/supervisor", "/admin", "/admin/unanswered", "/admin/dialplan", "/admin/kb/passport"):
        assert (await client.get(page)).status_code == 200, page
    r = await client.post("/logout", data={"csrf": token})
    assert r.status_code == 303
    assert (await client.get("/admin")).status_code == 303


async def test_wrong_password_and_missing_csrf_are_refused(client: httpx.AsyncClient) -> None:
    token = _csrf((await client.get("/login")).text)
    r = await client.post("/login", data={"name": "admin", "password": "nope", "csrf": token})
    assert r.status_code == 401 and "incorrect" in r.text
    r = await client.post("/login", data={"name": "admin", "password": "motdepasse-admin"})
    assert r.status_code == 403
    r = await client.post("/login", data={"name": "admin", "password": "motdepasse-admin", "csrf": "forged"})
    assert r.status_code == 403
    assert (await client.post("/api/chat", json={"text": "passeport", "lang": "fr"})).status_code == 403


async def test_forged_session_cookie_is_ignored(client: httpx.AsyncClient) -> None:
    client.cookies.set("ivr_session", "eyJ1IjoiYWRtaW4iLCJyIjoiYWRtaW4ifQ.forged.sig")
    assert (await client.get("/admin")).status_code == 303


async def test_chat_answers_abstains_and_emergency(client: httpx.AsyncClient) -> None:
    token = _csrf((await client.get("/chat")).text)
    h = {"X-CSRF-Token": token}
    r = (await client.post("/api/chat", json={"text": "je voudrais refaire mon passeport", "lang": "fr"},
                           headers=h)).json()
    assert r["decision"] == "answer" and r["intent"] == "passport"
    assert "ants.gouv.fr" in r["answer"] and r["link"].endswith("/passeport")
    r = (await client.post("/api/chat", json={"text": "quelle est la couleur du ciel sur mars", "lang": "fr"},
                           headers=h)).json()
    assert r["decision"] == "abstain" and r["offer_callback"] is True and r["intent"] is None
    r = (await client.post("/api/chat", json={"text": "au secours il y a le feu chez moi", "lang": "fr"},
                           headers=h)).json()
    assert r["decision"] == "emergency" and "112" in r["answer"] and not r["offer_callback"]
    r = (await client.post("/api/chat", json={"text": "what time does the city hall open", "lang": "en"},
                           headers=h)).json()
    assert r["decision"] == "answer" and r["intent"] == "city_hall_hours"


@pytest.mark.slow
async def test_admin_edits_answer_publishes_and_chat_uses_it(client: httpx.AsyncClient, ctx: WebContext) -> None:
    token = await login(client, "admin")
    h = {"X-CSRF-Token": token}
    path = ctx.knowledge.directory / "intents" / "passport.yaml"
    text = path.read_text(encoding="utf-8")
    old_chat = re.search(r'^    chat: "Passeport :.*$', text, re.M)
    assert old_chat
    broken = text.replace("kind: answer", "kind: banana")
    r = await client.post("/admin/kb/passport/publish", data={"text": broken}, headers=h)
    assert "ligne 4" in r.text and "kind" in r.text and "Publié" not in r.text
    assert path.read_text(encoding="utf-8") == text  # nothing written
    new = text.replace(old_chat.group(0), '    chat: "NOUVELLE REPONSE passeport : voir {{website}}/passeport."')
    r = await client.post("/admin/kb/passport/publish", data={"text": new}, headers=h)
    assert "Publié" in r.text, r.text
    reply = (await client.post("/api/chat", json={"text": "je voudrais refaire mon passeport"}, headers=h)).json()
    assert reply["answer"].startswith("NOUVELLE REPONSE passeport")


@pytest.mark.slow
async def test_try_it_and_add_unanswered_question(client: httpx.AsyncClient, ctx: WebContext) -> None:
    calls = CallRepository(ctx.sessions)
    now = datetime.now(UTC)
    await calls.create_call(call_id="c-1", channel_id="ch", started_at=now, caller_number="+33612345678", lang="fr")
    await calls.add_turn("c-1", at=now, speaker="caller", text="mon petit passe port est tout abimé",
                         intent=None, decision="abstain", score=0.3)
    token = await login(client, "admin")
    page = await client.get("/admin/unanswered")
    assert "mon petit passe port est tout abimé" in page.text
    r = await client.post("/admin/unanswered/add", headers={"X-CSRF-Token": token},
                          data={"intent": "passport", "lang": "fr", "text": "mon petit passe port est tout abimé"})
    assert "Publié" in r.text, r.text
    assert "- mon petit passe port est tout abimé" in (ctx.knowledge.directory / "intents/passport.yaml").read_text()
    assert "mon petit passe port est tout abimé" in ctx.knowledge.kb.intents["passport"].utterances["fr"]
    r = await client.post("/admin/try", headers={"X-CSRF-Token": token},
                          data={"question": "passeport perdu", "lang": "fr"})
    assert "answer" in r.text and "passport" in r.text


async def test_agent_call_file_previous_calls_and_sms(client: httpx.AsyncClient, ctx: WebContext) -> None:
    calls = CallRepository(ctx.sessions)
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    key = CallerKeys(ctx.settings.secrets.caller_key).key("+33611111111")  # as the store sink writes it
    await calls.create_call(call_id="old", channel_id="a", started_at=t0, caller_number="+33611111111", lang="fr",
                            caller_key=key)
    await calls.finish_call("old", ended_at=t0, outcome="resolved", summary="Demande de passeport")
    await calls.create_call(call_id="new", channel_id="b", started_at=datetime.now(UTC), caller_number="+33611111111",
                            lang="fr", caller_key=key)
    await calls.update_call("new", summary="Acte de naissance, transféré", service="etat_civil")
    token = await login(client, "agent1")
    r = (await client.get("/api/agent/call/new")).json()
    assert r["summary"] == "Acte de naissance, transféré" and r["caller"].endswith("11")
    assert [p["summary"] for p in r["previous"]] == ["Demande de passeport"]
    assert (await client.get("/api/agent/lookup", params={"number": "+33611111111"})).json()["call_id"] == "new"
    assert (await client.get("/api/agent/lookup", params={"number": "06 11 11 11 11"})).json()["call_id"] == "new"
    sip = (await client.get("/api/agent/sip")).json()
    assert sip["uri"].startswith("sip:web-agent1@") and sip["ws"] == f"wss://{ctx.settings.asterisk.bind}:{ctx.settings.asterisk.tls_port}/ws"
    assert sip["password"] == endpoint_password(ctx.settings.secrets, "web-agent1")
    others = (endpoint_password(ctx.settings.secrets, "web-agent2"), ctx.settings.secrets.agent_password)
    assert sip["password"] not in others
    r = await client.post("/api/agent/sms", json={"call_id": "new", "template": "callback"},
                          headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    outbox = ctx.live.outbox  # type: ignore[attr-defined]
    assert [(m.call_id, m.number) for m in outbox.sent] == [("new", "+33611111111")]
