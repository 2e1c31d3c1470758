"""The AMI client, the dialplan editor and the consoles against the real Asterisk 22 (conftest's fixture).

Without the bot, the dialplan sends a trunk call to the reception queue: that real call is what the
dashboard must show, and what the browser softphone (JsSIP over Asterisk's WebSocket) must answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ivr.config import PROJECT_ROOT, Settings
from ivr.probe.ports import free_port
from ivr.telephony.ami import AmiClient
from ivr.telephony.ami_events import QueueCallerJoin
from ivr.testing.web import add_user
from ivr.web import dialplan

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]

SHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 "--disable-features=WebRtcHideLocalIpsWithMdns",
                 "--ignore-certificate-errors"]  # Asterisk's self-signed WSS certificate (ivr/security/tls.py)


@contextlib.asynccontextmanager
async def ami_for(settings: Settings) -> AsyncIterator[AmiClient]:
    a = settings.asterisk
    client = AmiClient(a.bind, a.ami_port, a.ami_user, settings.secrets.ami_password)
    await client.connect()
    try:
        yield client
    finally:
        await client.close()


async def test_ami_client_on_real_asterisk(asterisk: Any, test_settings: Settings) -> None:
    async with ami_for(test_settings) as ami:
        status = await ami.queue_status()
        assert "accueil" in {q.queue for q in status.queues}
        assert any(m.interface == "PJSIP/agent1" for m in status.members if m.queue == "accueil")
        async with ami.subscribe() as events:
            await asyncio.wait_for(ami.queue_add("etat_civil", "PJSIP/web-agent3", "agent3"), 5)
            added = await asyncio.wait_for(events.get(), 5)
        assert added.queue == "etat_civil" and getattr(added, "interface", "") == "PJSIP/web-agent3"
        await ami.queue_pause("PJSIP/web-agent3", True, "etat_civil")
        member = [m for m in (await ami.queue_status("etat_civil")).members if m.interface == "PJSIP/web-agent3"]
        assert member and member[0].paused
        await ami.queue_remove("etat_civil", "PJSIP/web-agent3")
        summary = await ami.queue_summary("etat_civil")
        assert summary[0].queue == "etat_civil"
        assert "'_X.' =>" in await ami.command("dialplan show from-trunk")


async def test_dialplan_apply_and_automatic_rollback(asterisk: Any, test_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "dialplans"
    shutil.copytree(test_settings.paths.dialplans_dir, folder)
    settings = dataclasses.replace(test_settings, paths=dataclasses.replace(test_settings.paths,
                                                                            dialplans_dir=folder))
    original = dialplan.template_path(settings).read_text(encoding="utf-8")
    async with ami_for(settings) as ami:
        reload = dialplan.default_reload(settings, ami)
        good = original.replace("NoOp(Inbound trunk call)", "NoOp(Appel entrant modifie)")
        result = await dialplan.apply(settings, good, reload, ami)
        assert result.applied and not result.rolled_back, result.output
        assert "Appel entrant modifie" in await ami.command("dialplan show from-trunk")
        # Passes the editor's checks, but Asterisk refuses 'n' as the first priority: the inbound
        # extension would vanish, so the previous dialplan must come back by itself.
        bad = good.replace("exten => _X.,1,NoOp(Appel entrant modifie)", "exten => _X.,n,NoOp(Appel entrant)")
        assert not dialplan.validate(settings, bad)[1]
        result = await dialplan.apply(settings, bad, reload, ami)
        assert result.rolled_back and not result.applied
        assert dialplan.template_path(settings).read_text(encoding="utf-8") == good
        shown = await ami.command("dialplan show from-trunk")
        assert "'_X.' =>" in shown and "Appel entrant modifie" in shown
        assert (await dialplan.apply(settings, original, reload, ami)).applied


@contextlib.asynccontextmanager
async def web_server(settings: Settings, ami: AmiClient) -> AsyncIterator[str]:
    import uvicorn

    from ivr.web.app import create_app
    from ivr.web.standalone import standalone_context

    port = free_port()
    async with standalone_context(settings, ami=ami) as ctx:
        for name, role in (("agent1", "agent"), ("sup", "supervisor")):
            with contextlib.suppress(Exception):  # the session's database is shared
                await add_user(ctx, name, role, "motdepasse-" + name)
        server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn only exposes a flag)
            await asyncio.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task


@contextlib.asynccontextmanager
async def browser_page() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(locale="fr-FR")
        page = await context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            await browser.close()


async def login(page: Any, url: str, name: str) -> None:
    await page.goto(url + "/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", "motdepasse-" + name)
    await page.click("button[type=submit]")
    await page.wait_for_load_state("load")


@pytest.mark.browser
async def test_real_call_in_queue_appears_on_dashboard(asterisk: Any, test_settings: Settings,
                                                      tmp_path: Path) -> None:
    from callhelpers import place_call

    assert not asterisk.app_registered()  # no bot: the call goes to the reception queue
    async with ami_for(test_settings) as ami, web_server(test_settings, ami) as url, browser_page() as page:
        await login(page, url, "sup")
        await page.wait_for_selector("#queues tr[data-queue=accueil]")
        await page.evaluate("window.__noReload = 1")
        async with ami.subscribe() as events:
            call = asyncio.create_task(place_call(test_settings, tmp_path / "caller", seconds=10))
            while not isinstance(await asyncio.wait_for(events.get(), 15), QueueCallerJoin):
                pass
            await page.wait_for_selector("#queues tr[data-queue=accueil] .caller")
            assert "SVI indisponible" in await page.inner_text("#queues tr[data-queue=accueil]")
            assert await page.evaluate("window.__noReload") == 1
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "supervisor-real-call.png"), full_page=True)
            await call
        await page.wait_for_selector("#queues tr[data-queue=accueil] .caller", state="detached")


@pytest.mark.browser
async def test_browser_softphone_registers_and_answers_a_real_call(asterisk: Any, test_settings: Settings,
                                                                  tmp_path: Path) -> None:
    from callhelpers import place_call

    async with ami_for(test_settings) as ami, web_server(test_settings, ami) as url, browser_page() as page:
        await login(page, url, "agent1")
        await page.click("#btn-register")
        await page.wait_for_selector("body[data-sip=registered]")
        await page.click("#btn-qlogin")
        # locator waits, not string predicates: the pages' CSP forbids eval
        await page.locator("#queue-list li[data-queue=accueil] .qstate", has_text=re.compile("^connecté$")).wait_for()
        call = asyncio.create_task(place_call(test_settings, tmp_path / "caller", seconds=14))
        await page.wait_for_selector("#btn-answer:not([disabled])", timeout=25_000)
        await page.click("#btn-answer")
        await page.locator("#call-state", has_text=re.compile("^En communication")).wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "agent-real-call.png"), full_page=True)
        result = await call
        await page.click("#btn-qlogout")
    assert result.established
    assert result.heard_voiced_seconds > 1.0  # the browser's fake microphone reached the caller
