"""The consoles in a real headless browser (Debian chromium driven by Playwright; never a browser download).

The app runs under uvicorn on a free loopback port in a background thread, with a temporary SQLite
database, a copy of the real ``knowledge/``, the real matcher, a fake AMI server on loopback and fake
live calls. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ivr.config import PROJECT_ROOT
from ivr.probe.ports import free_port
from ivr.telephony.ami import AmiClient
from ivr.testing.ami_fake import FakeAmiServer, FakeMember, FakeQueue
from ivr.testing.lab import make_settings
from ivr.testing.web import FakeLiveCalls, FakeSmsOutbox, add_user
from ivr.web.context import LiveCallView, WebContext

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium not installed")]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


@dataclass
class LiveServer:
    """The app running in a background thread."""

    url: str = ""
    loop: asyncio.AbstractEventLoop | None = None
    ctx: WebContext | None = None
    ami: FakeAmiServer | None = None
    live: FakeLiveCalls = field(default_factory=FakeLiveCalls)
    outbox: FakeSmsOutbox = field(default_factory=FakeSmsOutbox)
    ready: threading.Event = field(default_factory=threading.Event)
    stop: Callable[[], None] | None = None
    error: BaseException | None = None

    def run(self, coro_fn: Callable[[], Any]) -> Any:
        """Run a coroutine on the server's loop and wait for its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro_fn(), self.loop).result(20)


async def _serve(server: LiveServer, tmp: Path) -> None:
    import uvicorn

    from ivr.web.app import create_app
    from ivr.web.standalone import standalone_context

    settings = make_settings(tmp)
    port = free_port()
    async with FakeAmiServer(settings.asterisk.ami_user, settings.secrets.ami_password) as fake_ami:
        fake_ami.queues["accueil"] = FakeQueue(members=[FakeMember("PJSIP/web-agent1", "agent1")])
        fake_ami.queues["etat_civil"] = FakeQueue()
        ami = AmiClient("127.0.0.1", fake_ami.port, settings.asterisk.ami_user, settings.secrets.ami_password)
        await ami.connect()
        async with standalone_context(settings, ami=ami, live=server.live, send_sms=server.outbox.send) as ctx:
            for name, role in (("agent1", "agent"), ("sup", "supervisor"), ("admin", "admin")):
                await add_user(ctx, name, role, "motdepasse-" + name)
            config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
            uv = uvicorn.Server(config)
            server.url, server.ctx, server.ami = f"http://127.0.0.1:{port}", ctx, fake_ami
            server.loop = asyncio.get_running_loop()
            server.stop = lambda: setattr(uv, "should_exit", True)
            task = asyncio.create_task(uv.serve())
            while not uv.started:  # noqa: ASYNC110 (uvicorn only exposes a flag)
                await asyncio.sleep(0.05)
            server.ready.set()
            await task
        await ami.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer()
    tmp = tmp_path_factory.mktemp("web")

    def target() -> None:
        try:
            asyncio.run(_serve(server, tmp))
        except BaseException as exc:  # surfaced to the test below
            server.error = exc
            server.ready.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert server.ready.wait(120), "web server did not start"
    if server.error is not None:
        raise server.error
    yield server
    assert server.stop is not None
    server.stop()
    thread.join(20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page: Any, server: LiveServer, name: str) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", "motdepasse-" + name)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle") if name == "admin" else page.wait_for_load_state("load")


def test_login_and_roles(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/admin")
    assert "/login" in page.url
    shot(page, "login")
    page.fill("input[name=name]", "agent1")
    page.fill("input[name=password]", "mauvais")
    page.click("button[type=submit]")
    assert "incorrect" in page.inner_text(".error")
    login(page, live_server, "agent1")
    assert page.url.endswith("/agent")
    assert page.is_visible("#btn-register")
    shot(page, "agent-console")
    page.goto(live_server.url + "/admin")
    assert "Accès refusé" in page.inner_text("h1")
    page.goto(live_server.url + "/supervisor")
    assert "Accès refusé" in page.inner_text("h1")
    shot(page, "agent-forbidden-admin")


def ask(page: Any, text: str) -> Any:
    before = page.locator(".msg.bot").count()
    page.fill("#chat-text", text)
    page.press("#chat-text", "Enter")
    page.locator(".msg.bot").nth(before).wait_for()  # no string predicates: the CSP forbids eval
    return page.locator(".msg.bot").last


def test_chat_answers_abstains_and_takes_a_callback(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/chat")
    answer = ask(page, "bonjour je voudrais refaire mon passeport")
    assert answer.get_attribute("data-decision") == "answer"
    assert answer.get_attribute("data-intent") == "passport"
    assert "ants.gouv.fr" in answer.inner_text()
    assert page.is_hidden("#callback-form")
    emergency = ask(page, "au secours mon voisin ne respire plus")
    assert emergency.get_attribute("data-decision") == "emergency" and "112" in emergency.inner_text()
    unsure = ask(page, "quelle est la couleur préférée du facteur")
    assert unsure.get_attribute("data-decision") == "abstain"
    assert page.is_visible("#callback-form")
    page.fill("#callback-form input[name=name]", "Émilie Test")
    page.fill("#callback-form input[name=phone]", "01 99 00 10 00")
    page.click("#callback-form button[type=submit]")
    page.wait_for_selector("#callback-status.error")
    page.fill("#callback-form input[name=phone]", "06 12 34 56 78")
    page.click("#callback-form button[type=submit]")
    page.wait_for_selector("#callback-status.ok")
    # nothing is scheduled until the code texted to that mobile is typed back
    assert page.is_visible("#confirm-form")
    sms = live_server.outbox.sent[-1]
    assert sms.number == "+33612345678"
    code = re.search(r"\b(\d{6})\b", sms.text)
    assert code is not None
    page.fill("#confirm-form input[name=code]", "000000" if code.group(1) != "000000" else "111111")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#confirm-status.error")
    page.fill("#confirm-form input[name=code]", code.group(1))
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#confirm-status.ok")
    shot(page, "chat")


def test_admin_edits_answer_publishes_and_next_chat_gets_it(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "admin")
    page.goto(live_server.url + "/admin/kb/city_hall_address")
    text = page.input_value("#yaml")
    lines = text.splitlines()
    idx = next(i for i, line in enumerate(lines) if line.strip().startswith("chat:"))
    indent = lines[idx][: len(lines[idx]) - len(lines[idx].lstrip())]
    lines[idx] = indent + 'chat: "La mairie a déménagé : 12 rue des Tilleuls (adresse modifiée par le test)."'
    page.fill("#yaml", "\n".join(lines) + "\n")
    page.click("#publish")
    page.wait_for_selector("#issues .ok")
    assert "Publié" in page.inner_text("#issues")
    shot(page, "admin-publish")
    page.fill("#try-question", "quelle est l'adresse de la mairie")
    page.click("form[hx-post='/admin/try'] button[type=submit]")
    page.wait_for_selector("#try-result .intent")
    assert page.inner_text("#try-result .intent") == "city_hall_address"
    page.goto(live_server.url + "/chat")
    answer = ask(page, "quelle est l'adresse de la mairie")
    assert "12 rue des Tilleuls" in answer.inner_text()


def test_dashboard_updates_without_reload(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "sup")
    assert page.url.endswith("/supervisor")
    page.wait_for_selector("#queues tr[data-queue=accueil]")
    page.evaluate("window.__noReload = 'still here'")
    call = LiveCallView("c0ffee00-1234", datetime.now(UTC), "fr", "listening", "passport", "etat_civil",
                        "+33612345678")
    assert live_server.loop is not None and live_server.ami is not None
    ami = live_server.ami
    for _ in range(100):  # the page's SSE stream subscribes to the live calls
        if live_server.live.subscribers:
            break
        page.wait_for_timeout(100)
    live_server.loop.call_soon_threadsafe(live_server.live.start, call)
    page.wait_for_selector("#calls tr.live-call[data-call='c0ffee00-1234']")
    assert "•• •• •• 78" in page.inner_text("#calls")
    assert "+33612345678" not in page.content()
    live_server.run(lambda: ami.caller_join("etat_civil", "PJSIP/trunk-0001", "0612345678", "Émilie"))
    page.locator("#queues", has_text="Émilie").wait_for()
    assert page.evaluate("window.__noReload") == "still here"
    shot(page, "supervisor")
    live_server.run(lambda: ami.caller_leave("etat_civil", "PJSIP/trunk-0001", abandon=True))
    live_server.loop.call_soon_threadsafe(live_server.live.hangup, "c0ffee00-1234")
    page.locator("#queues", has_text="Émilie").wait_for(state="detached")
    page.wait_for_selector("#calls tr.live-call", state="detached")
    assert page.evaluate("window.__noReload") == "still here"


def test_admin_dialplan_validate_shows_diff(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "admin")
    page.goto(live_server.url + "/admin/dialplan")
    text = page.input_value("#dialplan")
    page.fill("#dialplan", text.replace("[from-trunk]", "[from-trunk-broken]"))
    page.click("button[hx-post='/admin/dialplan/validate']")
    page.wait_for_selector("#dp-result .issues")
    assert "from-trunk" in page.inner_text("#dp-result .issues")
    assert "+[from-trunk-broken]" in page.inner_text("#dp-result pre.diff")
    shot(page, "dialplan")


def test_admin_creates_an_intent_through_the_form_and_the_next_chat_gets_it(page: Any, live_server: LiveServer) -> None:
    login(page, live_server, "admin")
    page.goto(live_server.url + "/admin")
    page.fill("#new-intent input[name=id]", "media_library")
    page.click("#new-intent button")
    page.wait_for_url("**/admin/kb/media_library/form")
    page.select_option("#f-service", "accueil")
    page.fill("#f-questions-fr", "où se trouve la médiathèque\nhoraires de la médiathèque municipale\n"
                                 "je voudrais emprunter des livres à la médiathèque\nla médiathèque est ouverte quand")
    page.fill("#f-questions-en", "where is the media library\nmedia library opening hours")
    page.fill("#f-answer-fr-voice", "La médiathèque municipale est derrière la mairie. Pour la joindre : ")
    page.select_option("#fact-picker", "city_hall_phone")
    page.click("#f-answer-fr-voice")
    page.press("#f-answer-fr-voice", "End")
    page.click("#insert-fact")
    assert page.input_value("#f-answer-fr-voice").endswith("Pour la joindre : {{city_hall_phone}}")
    page.fill("#f-answer-fr-chat", "Médiathèque : derrière la mairie, {{city_hall_phone}}.")
    page.fill("#f-answer-en-voice", "The media library is behind the city hall.")
    page.fill("#f-answer-en-chat", "The media library is behind the city hall.")
    # the linter speaks first: a broken link is refused, as in the YAML view
    page.select_option("#f-offer", "sms")
    page.click("#check")
    page.wait_for_selector("#issues li.error")
    page.select_option("#f-offer", "none")
    page.click("#check")
    page.locator("#issues li.error").first.wait_for(state="detached")
    assert "{{city_hall_phone}}" in (page.text_content("#issues #preview") or "")
    # "listen": the voice answer as the caller will hear it, facts filled in, in the bot's voice
    page.click("#listen-fr")
    page.wait_for_selector("#player[data-ready='1']")
    duration = page.evaluate("""() => new Promise((ok) => {
        const p = document.getElementById('player');
        if (p.readyState >= 1) ok(p.duration); else p.addEventListener('loadedmetadata', () => ok(p.duration));
    })""")
    assert duration > 4.0  # the whole sentence with the phone number read out
    shot(page, "admin-kb-form")
    page.click("#publish")
    page.wait_for_selector("#issues .ok[role=status]", timeout=120_000)  # the matcher is rebuilt first
    # "try it": which intents compete, and how close
    page.fill("#try-question", "la médiathèque est ouverte quand")
    page.click("#try-form button[type=submit]")
    page.wait_for_selector("#try-result .intent")
    assert page.inner_text("#try-result .intent") == "media_library"
    assert page.locator("#try-result li").count() >= 2
    shot(page, "admin-kb-form-published")
    page.goto(live_server.url + "/admin/kb/media_library")  # the YAML view shows the same file
    assert "media_library" in page.input_value("#yaml") and "{{city_hall_phone}}" in page.input_value("#yaml")
    page.goto(live_server.url + "/chat")
    answer = ask(page, "la médiathèque est ouverte quand")
    assert answer.get_attribute("data-intent") == "media_library"
    assert "derrière la mairie" in answer.inner_text() and "01 99 00 10 00" in answer.inner_text()
