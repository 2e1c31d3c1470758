"""Pure security rules: the dialplan allow-list, the agents' scope, SMS templates, cookies, log redaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from ivr.config import PROJECT_ROOT, Secrets, WebSettings
from ivr.nlu.kb import load_knowledge
from ivr.security.dialplan import application_problem, public_context, redact
from ivr.security.sip import endpoint_password
from ivr.store.records import CallDetail, CallSummary, EventRecord
from ivr.web.auth import WebUser
from ivr.web.guards import secure_cookies
from ivr.web.hardening import RedactQueries
from ivr.web.scope import UnknownTemplate, may_see, sms_text

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("app", ["NoOp(x)", "Set(A=${IF($[1]?a:b)})", "Queue(accueil,,,,900)",
                                 "Stasis(ivr,inbound)", "Dial(PJSIP/agent1,30)", "Goto(from-trunk,s,1)"])
def test_known_applications_pass(app: str) -> None:
    assert application_problem(app) is None


@pytest.mark.parametrize(("app", "word"), [
    ("System(id)", "System"), ("TrySystem(id)", "TrySystem"), ("MixMonitor(a.wav,,rm -rf /)", "MixMonitor"),
    ("Exec(System(id))", "Exec"), ("ExecIf($[1]?System(id))", "ExecIf"), ("Set(A=${SHELL(id)})", "SHELL"),
    ("NoOp(${FILE(/etc/passwd)})", "FILE"), ("Set(X=${CURL(http://evil)})", "CURL"), ("Originate(x)", "Originate"),
])
def test_dangerous_applications_and_functions_are_refused(app: str, word: str) -> None:
    problem = application_problem(app)
    assert problem is not None and word in problem


def test_no_secret_reaches_the_template_or_the_output() -> None:
    ctx = public_context({"app": "ivr", "ami_password": "s3cr3t-ami", "agent_passwords": {"a": "x"}})
    assert ctx == {"app": "ivr"}
    assert redact("Authentication failed for s3cr3t-ami", ["s3cr3t-ami", ""]) == "Authentication failed for •••"


def test_endpoint_passwords_differ_and_do_not_reveal_the_master() -> None:
    secrets = Secrets(agent_password="master-secret-123")
    one, two = endpoint_password(secrets, "agent1"), endpoint_password(secrets, "agent2")
    assert one != two and len(one) == 32 and "master" not in one
    assert one == endpoint_password(secrets, "agent1")


def _detail(service: str | None, ended: datetime | None, answered_by: str | None = None) -> CallDetail:
    events = () if answered_by is None else (EventRecord("c", NOW, "agent_answered", MappingProxyType(
        {"service": service, "wait_s": 3, "agent": answered_by})),)
    call = CallSummary("c", "ch", NOW - timedelta(minutes=5), ended, "fr", None, service, None)
    return CallDetail(call, "+33611111111", (), events)


def test_agents_scope() -> None:
    ana = WebUser("ana", "agent")
    live_ec = _detail("etat_civil", None)
    assert may_see(ana, ["etat_civil"], live_ec, NOW)
    assert not may_see(ana, ["accueil"], live_ec, NOW)
    assert may_see(ana, ["etat_civil"], _detail("etat_civil", NOW - timedelta(minutes=30)), NOW)
    assert not may_see(ana, ["etat_civil"], _detail("etat_civil", NOW - timedelta(hours=2)), NOW)
    assert may_see(ana, [], _detail("urbanisme", NOW - timedelta(days=30), answered_by="ana"), NOW)
    assert not may_see(ana, [], _detail("urbanisme", NOW - timedelta(days=30), answered_by="bob"), NOW)
    assert may_see(WebUser("sue", "supervisor"), [], live_ec, NOW)


def test_sms_templates_only() -> None:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    text = sms_text("link", kb, "passport", "fr", "Villeneuve")
    assert text.startswith("Mairie de Villeneuve") and "http" in text
    assert "rappeler" in sms_text("callback", kb, None, "fr", "Villeneuve")
    with pytest.raises(UnknownTemplate):
        sms_text("free text", kb, None, "fr", "Villeneuve")
    with pytest.raises(UnknownTemplate):
        sms_text("link", kb, "no_such_intent", "fr", "Villeneuve")


def test_secure_cookies_by_default_outside_loopback() -> None:
    assert not secure_cookies(WebSettings(host="127.0.0.1"))
    assert secure_cookies(WebSettings(host="0.0.0.0"))
    assert secure_cookies(WebSettings(host="mairie.example.fr"))
    assert not secure_cookies(WebSettings(host="10.0.0.5", secure_cookies="off"))


def test_access_log_lines_lose_their_query_string() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/agent/lookup?number=%2B33611111111", "1.1", 200),
                               None)
    assert RedactQueries().filter(record)
    assert "611111111" not in record.getMessage() and "/api/agent/lookup?…" in record.getMessage()
