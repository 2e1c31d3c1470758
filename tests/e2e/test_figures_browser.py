"""The supervisor's figures in a real headless browser (Debian chromium via Playwright).

Period picker, trend chart, CSV export, and the monthly report printed to PDF by the browser; screenshots
in test-artifacts/.

The app runs under uvicorn in a thread on a real SQLite file seeded with a week of stored event streams; its
clock is virtual (10 March 2026), so "7 days" and "last month" are known.
"""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import VirtualClock
from ivr.config import PROJECT_ROOT
from ivr.nlu.holder import KnowledgeHolder
from ivr.probe.ports import free_port
from ivr.store import CallRepository, Database
from ivr.testing.lab import make_settings
from ivr.testing.web import FakeLiveCalls, add_user
from ivr.web.context import WebContext

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium not installed")]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
STREAMS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "bot": [("intent", {"intent": "passport", "decision": "answer"}), ("answer", {"intent": "passport"}),
            ("hangup", {"outcome": "resolved"})],
    "reception": [("transfer", {"service": "accueil"}), ("agent_answered", {"service": "accueil", "wait_s": 40})],
    "service": [("transfer", {"service": "etat_civil"}), ("agent_answered", {"service": "etat_civil", "wait_s": 100})],
    "abandon": [("intent", {"decision": "abstain", "text": "la couleur du facteur"}),
                ("transfer", {"service": "etat_civil"}), ("queue_abandoned", {"service": "etat_civil", "wait_s": 200})],
}
# day offset before NOW -> conversations that day (12 days before is 26 February: last month's report)
DAYS = {0: ["bot", "bot", "reception", "abandon"], 2: ["bot", "service"], 5: ["bot", "bot", "bot", "service"],
        9: ["bot", "abandon"], 12: ["reception", "service"]}


async def seed(url: str) -> None:
    async with Database(url) as db:
        calls = CallRepository(db.sessions)
        n = 0
        for back, kinds in DAYS.items():
            for kind in kinds:
                n += 1
                at = NOW - timedelta(days=back, minutes=n)
                cid = await calls.create_call(started_at=at, channel_id=f"17000.{n}")
                for ev_kind, data in STREAMS[kind]:
                    await calls.add_event(cid, at=at, kind=ev_kind, data=data)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from ivr.store import migrate
    from ivr.web.app import create_app

    tmp = tmp_path_factory.mktemp("figures")
    settings = make_settings(tmp)
    port = free_port()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        await migrate(settings.database_url)
        await seed(settings.database_url)
        async with Database(settings.database_url) as db:
            ctx = WebContext(settings=settings, sessions=db.sessions,
                             knowledge=KnowledgeHolder(settings.paths.knowledge_dir),
                             matcher=lambda: pytest.fail("no matcher here"), live=FakeLiveCalls(),
                             clock=VirtualClock(NOW))
            await add_user(ctx, "sup", "supervisor", "motdepasse-sup")
            uv = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
            holder["uv"] = uv
            task = asyncio.create_task(uv.serve())
            while not uv.started:  # noqa: ASYNC110 (uvicorn only exposes a flag)
                await asyncio.sleep(0.05)
            ready.set()
            await task

    def target() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:
            holder["error"] = exc
            ready.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert ready.wait(120), "web server did not start"
    if "error" in holder:
        raise holder["error"]
    yield f"http://127.0.0.1:{port}"
    holder["uv"].should_exit = True
    thread.join(20)


@pytest.fixture(scope="module")
def page(server_url: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        pg.goto(server_url + "/login")
        pg.fill("input[name=name]", "sup")
        pg.fill("input[name=password]", "motdepasse-sup")
        pg.click("button[type=submit]")
        pg.wait_for_load_state("load")
        yield pg
        browser.close()


def shot(page: Any, name: str) -> None:
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


def test_period_picker_trends_and_csv(page: Any, server_url: str) -> None:
    page.goto(server_url + "/supervisor")
    page.click("#figures-link")
    page.wait_for_selector("#trend svg")
    # 7 days = offsets 0..6: 4 + 2 + 4 conversations; 6 bot answers and 1 reception = 7 at the first level
    assert page.inner_text("#fig-calls") == "10"
    assert page.inner_text("#fig-first-level") == "70 %"
    assert page.inner_text("#fig-handed") == "2"
    assert page.inner_text("#fig-unanswered") == "10 %"
    assert page.locator("#trend circle").count() == 4 * 7  # four series, one point a day
    assert "passport" in page.inner_text("#top-intents") and "la couleur du facteur" in page.inner_text(
        "#top-unanswered")
    shot(page, "figures-7-days")

    page.click("button[name=period][value=today]")
    page.wait_for_url("**period=today**")
    assert page.inner_text("#fig-calls") == "4" and page.inner_text("#fig-unanswered") == "25 %"
    page.click("button[name=period][value='30d']")
    page.wait_for_url("**period=30d**")
    assert page.inner_text("#fig-calls") == "14"
    assert page.get_attribute("button[value='30d']", "aria-pressed") == "true"
    shot(page, "figures-30-days")
    page.select_option("select[name=channel]", "chat")
    page.click("#channel-apply")
    page.wait_for_url("**channel=chat**")
    assert page.inner_text("#fig-calls") == "0" and "period=30d" in page.url

    response = page.request.get(server_url + "/supervisor/figures.csv?period=7d")
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    assert 'filename="chiffres-2026-03-04-2026-03-10.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert [r["day"] for r in rows] == [f"2026-03-{d:02d}" for d in range(4, 11)] + ["total"]
    by_day = {r["day"]: r for r in rows}
    assert by_day["2026-03-10"]["calls"] == "4" and by_day["2026-03-10"]["unanswered"] == "1"
    assert by_day["2026-03-05"]["calls"] == "4" and by_day["2026-03-05"]["resolved_by_bot"] == "3"
    assert by_day["total"]["calls"] == "10" and by_day["total"]["wait_p90_s"] == "200.0"


def test_monthly_report_prints_to_pdf(page: Any, server_url: str) -> None:
    page.goto(server_url + "/supervisor/figures")
    page.click("#report-link")
    page.wait_for_selector("article.report")
    assert "février 2026" in page.inner_text("h1")  # the previous month by default
    assert page.inner_text("#fig-calls") == "2"  # 26 February (12 days before 10 March)
    assert "Téléphone" in page.inner_text("#by-channel")
    shot(page, "monthly-report")
    page.emulate_media(media="print")
    assert page.is_hidden("header.top") and page.is_hidden("#print")
    shot(page, "monthly-report-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (ARTIFACTS / "monthly-report.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    page.goto(server_url + "/supervisor/report?month=2026-03")
    assert "mars 2026" in page.inner_text("h1") and page.inner_text("#fig-calls") == "12"
