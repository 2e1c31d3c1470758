"""Shared fixtures: tier markers, one ``db``, a real Asterisk 22 on free ports, the engines, the bot, SIP phones.

The tier of a test is its directory: ``unit/`` (no model, no process, seconds), ``integration/`` (real engines,
programs and servers), ``e2e/`` (real calls through Asterisk, a real browser). ``make test-fast`` runs ``unit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.config import PROJECT_ROOT, Settings
from ivr.probe.ports import free_port
from ivr.probe.sipua import BaresipUA, UaConfig
from ivr.security.sip import endpoint_password
from ivr.store import Database, migrate
from ivr.telephony.asterisk.process import AsteriskProcess
from ivr.testing.lab import isolated_settings

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIERS = ("unit", "integration", "e2e")


def pytest_configure(config: pytest.Config) -> None:
    """Two test files with one name in different tiers break collection (no ``__init__.py``): say which."""
    seen: dict[str, Path] = {}
    for path in sorted(Path(__file__).parent.glob("*/test_*.py")):
        if path.name in seen:
            raise pytest.UsageError(f"{path} and {seen[path.name]} share a name: rename one (test files are "
                                    "imported by their basename)")
        seen[path.name] = path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its tier, taken from its directory (``-m unit`` is the fast tier)."""
    for item in items:
        tier = item.path.parent.name
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/unit, tests/integration or tests/e2e")
        item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(autouse=True)
def _unit_tests_start_no_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the unit tier honest: starting a program there fails the test (it belongs in integration/)."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a unit test started a process: {args[:1]!r}; move it to tests/integration")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server: ``IVR_TEST_PG_URL`` or a temporary local cluster."""
    from ivr.testing.pgtemp import temp_postgres, unavailable_reason

    env = os.environ.get("IVR_TEST_PG_URL")
    if env:
        yield env
        return
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with temp_postgres() as url:
        yield url


@pytest.fixture
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: a SQLite file, or PostgreSQL when parametrized indirectly with "postgresql"."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.db'}"
    else:
        from ivr.testing.pgtemp import create_database

        url = await create_database(request.getfixturevalue("pg_admin_url"), f"ivr_test_{uuid.uuid4().hex[:10]}")
    await migrate(url)
    async with Database(url) as database:
        yield database


def _free_udp(host: str) -> int:
    return free_port(host, socket.SOCK_DGRAM)


@pytest.fixture(scope="session")
def test_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory for the whole test session."""
    return tmp_path_factory.mktemp("ivr-home")


@pytest.fixture(scope="session")
def kannel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real Kannel (bearerbox + smsbox) with its fake SMSC, on free loopback ports."""
    from ivr.testing.kannel_lab import KannelLab

    lab = KannelLab(tmp_path_factory.mktemp("kannel"))
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


OPEN_TIME = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
"""A Tuesday morning: every service is open."""


@pytest.fixture(scope="session")
def test_settings(test_home: Path) -> Settings:
    """Settings on free ports (a developer's `ivr up` may be running on the default ones).

    SMS go to a Kannel URL nobody listens on: the bot offers and queues them as in production, delivery
    just keeps retrying. The one test that checks delivery uses :func:`kannel_settings` and a real Kannel.
    """
    return isolated_settings(
        test_home,
        {
            "asterisk": {"queue_timeout_s": 25},
            # real calls on a loaded shared machine: the deadline itself is tested on the virtual clock
            # (8 s was passed on the loaded machine: whisper late on a 2 s question, 'asr_late' instead of the handoff)
            "asr": {"deadline_s": 20.0},
            # nor does admission refuse calls because this busy machine decodes slowly (tested on its own)
            "overload": {"latency_budget_s": 30.0},
            # every real call comes from the same test number: only the returning-caller test recalls callers
            "dialog": {"callback_poll_s": 1.0, "callback_retry_s": 5.0, "recall_callers": False},
            "sms": {"gateway": "kannel", "url": f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms"},
            # ...and that one number may ask for many callbacks and SMS in a session (the caps have their own tests)
            "security": {"callbacks_per_number_day": 1000, "pending_callbacks_per_number": 1000,
                         "sms_per_number_day": 1000},
        },
    )


@pytest.fixture(scope="session")
def kannel_settings(test_settings: Settings, kannel: object) -> Settings:
    """:func:`test_settings` delivering SMS through the real Kannel lab."""
    sms = dataclasses.replace(
        test_settings.sms,
        url=kannel.sendsms_url,  # type: ignore[attr-defined]
        username=kannel.username,  # type: ignore[attr-defined]
        password=kannel.password,  # type: ignore[attr-defined]
    )
    return dataclasses.replace(test_settings, sms=sms)


@pytest.fixture(scope="session")
def asterisk(test_settings: Settings) -> Iterator[AsteriskProcess]:
    """The real Asterisk 22, provisioned by `make setup`."""
    proc = AsteriskProcess(test_settings)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
        log = proc.proc.logfile
        if log.exists():
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(log, ARTIFACTS / "asterisk-console.log")


@pytest.fixture(scope="session")
def engines(test_settings: Settings):  # type: ignore[no-untyped-def]
    """Knowledge base, matcher, whisper and Pico: loaded once for the whole session."""
    from ivr.app import build_engines

    return build_engines(test_settings, warm=True)


@pytest.fixture
async def bot(asterisk: AsteriskProcess, engines, test_settings: Settings) -> AsyncIterator:  # type: ignore[no-untyped-def]
    """The voicebot running in the test's event loop, recording every call event."""
    async with running_bot(test_settings, engines, OPEN_TIME) as b:
        yield b


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, engines, at: datetime) -> AsyncIterator:  # type: ignore[no-untyped-def]
    """The voicebot in-process, its wall clock starting at ``at``, recording every call event."""
    from ivr.app import start_bot
    from ivr.call.events import EventHub
    from ivr.clock import ShiftedClock

    hub = EventHub()
    hub.keep_history = True
    b = await start_bot(settings, engines, hub=hub, clock=ShiftedClock(at))
    try:
        yield b
    finally:
        await b.router.drain(3)
        await b.stop()
        await asyncio.sleep(0.3)


@contextlib.asynccontextmanager
async def phone(workdir: Path, **kwargs: object) -> AsyncIterator[BaresipUA]:
    """A running baresip."""
    ua = BaresipUA(UaConfig(workdir, **kwargs))  # type: ignore[arg-type]
    await ua.start()
    try:
        yield ua
    finally:
        await ua.stop()


@contextlib.asynccontextmanager
async def agent_phone(
    settings: Settings, workdir: Path, name: str, host: str = "127.0.0.3"
) -> AsyncIterator[BaresipUA]:
    """An auto-answering agent softphone registered to Asterisk with digest auth."""
    a = settings.asterisk
    port = _free_udp(host)
    account = (
        f"<sip:{name}@{a.bind}:{a.sip_port}>;auth_pass={endpoint_password(settings.secrets, name)};"
        f"outbound=\"sip:{a.bind}:{a.sip_port}\";regint=60;answermode=auto"
    )
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (test setup, a few bytes)
    tone = workdir / "agent-voice.wav"
    write_tone(tone, seconds=120)
    async with phone(workdir, sip_host=host, sip_port=port, account=account, auto_answer=True,
                     source_wav=tone) as ua:
        await wait_registered(settings, name)
        yield ua


def write_tone(path: Path, seconds: float, freq: float = 700.0) -> None:
    """An agent's "voice": a steady tone the other side can detect (8 kHz wav)."""
    import numpy as np

    from ivr.audio.wav import write_wav

    t = np.arange(int(8000 * seconds)) / 8000
    write_wav(path, (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes(), rate=8000)


async def wait_registered(settings: Settings, endpoint: str, timeout: float = 30.0) -> None:
    """Wait until Asterisk sees the endpoint online (registration done; generous: a loaded machine is slow)."""
    import httpx

    a = settings.asterisk
    url = f"http://{a.bind}:{a.ari_port}/ari/endpoints/PJSIP/{endpoint}"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(auth=(a.ari_user, settings.secrets.ari_password)) as client:
        while loop.time() < deadline:
            r = await client.get(url)
            if r.status_code == 200 and r.json().get("state") == "online":
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{endpoint} did not register within {timeout} s")
