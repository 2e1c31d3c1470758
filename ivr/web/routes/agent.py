"""The agent console's APIs: SIP credentials, queue log in/out, the caller's file, live assist, SMS."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field

from ivr.call.events import AgentTranscript, Hangup, Suggestion, Transcript
from ivr.errors import IvrError
from ivr.security.sip import endpoint_password
from ivr.store.audit import AuditEntry
from ivr.store.callers import CallerKeys
from ivr.store.calls import CallNotFound
from ivr.store.console import previous_calls
from ivr.store.records import CallDetail
from ivr.web import scope
from ivr.web.auth import WebUser
from ivr.web.deps import Agent, WebState, render, state
from ivr.web.routes.supervisor import mask_number

log = logging.getLogger(__name__)
router = APIRouter()
ASSIST_EVENTS = (AgentTranscript, Suggestion, Transcript, Hangup)
"""What the agent's assist panel shows (server-sent events named by their kind)."""


class QueueAction(BaseModel):
    """Log in/out of queues, or pause."""

    action: str = Field(pattern="^(login|logout|pause|resume)$")
    queues: list[str] = Field(default_factory=list)


class SmsIn(BaseModel):
    """Text the caller of a call, from a template (``ivr.web.scope.SMS_TEMPLATES``)."""

    call_id: str = Field(max_length=64)
    template: str = Field(max_length=32)
    intent: str | None = Field(default=None, max_length=128)


def sip_name(user: WebUser) -> str:
    """The PJSIP endpoint of a console user."""
    return f"web-{user.name}"


def agent_queues(web: WebState, user: WebUser) -> list[str]:
    """The queues this agent sits in by configuration (``AsteriskSettings.agent_services``)."""
    services = [s for s in web.ctx.knowledge.kb.services if web.ctx.knowledge.kb.services[s].hours]
    for spec in web.ctx.settings.asterisk.agent_services:
        name, _, wanted = spec.partition("=")
        if name.strip() == user.name:
            return services if wanted.strip() == "*" else [w.strip() for w in wanted.split(",") if w.strip()]
    return [web.ctx.settings.asterisk.fallback_queue]


@router.get("/agent")
async def console(request: Request, user: Agent) -> Response:
    """The softphone console."""
    web = state(request)
    return render(request, "agent.html", user=user, queues=agent_queues(web, user),
                  has_endpoint=user.name in web.ctx.settings.asterisk.agents)


@router.get("/api/agent/sip")
async def sip_credentials(request: Request, user: Agent) -> Response:
    """What JsSIP needs to register as ``web-<agent>``."""
    web = state(request)
    a = web.ctx.settings.asterisk
    if user.name not in a.agents:
        return JSONResponse({"error": f"aucun poste SIP pour {user.name}"}, status_code=404)
    return JSONResponse({
        "ws": f"wss://{a.bind}:{a.tls_port}/ws",
        "uri": f"sip:{sip_name(user)}@{a.bind}",
        "authorization_user": sip_name(user),
        "password": endpoint_password(web.ctx.settings.secrets, sip_name(user)),
        "display_name": user.name,
        "interface": f"PJSIP/{sip_name(user)}",
    })


@router.get("/api/agent/queues")
async def queue_state(request: Request, user: Agent) -> dict[str, Any]:
    """The agent's queues and whether they are logged in each."""
    web = state(request)
    iface = f"PJSIP/{sip_name(user)}"
    board = web.monitor.board if web.monitor else None
    rows = []
    for q in agent_queues(web, user):
        member = board.agents.get(q, {}).get(iface) if board else None
        rows.append({"queue": q, "logged_in": member is not None, "paused": bool(member and member.paused)})
    return {"interface": iface, "queues": rows, "ami": web.ctx.ami is not None}


@router.post("/api/agent/queues")
async def queue_action(request: Request, body: QueueAction, user: Agent) -> Response:
    """AMI QueueAdd / QueueRemove / QueuePause of ``PJSIP/web-<agent>``."""
    web = state(request)
    ami = web.ctx.ami
    if ami is None:
        return JSONResponse({"error": "AMI indisponible"}, status_code=503)
    iface = f"PJSIP/{sip_name(user)}"
    allowed = agent_queues(web, user)
    queues = [q for q in (body.queues or allowed) if q in allowed]
    errors = []
    for q in queues:
        try:
            if body.action == "login":
                await ami.queue_add(q, iface, user.name)
            elif body.action == "logout":
                await ami.queue_remove(q, iface)
            else:
                await ami.queue_pause(iface, body.action == "pause", q)
        except IvrError as exc:
            errors.append(f"{q}: {exc.message}")
    if web.monitor is not None:
        await web.monitor.resync()
    return JSONResponse({"ok": not errors, "errors": errors})


async def _scoped_call(web: WebState, user: WebUser, call_id: str, action: str, detail: str = "") -> CallDetail | None:
    """The call if ``user`` may see it (audited), else ``None`` (answered as unknown, like a missing call)."""
    try:
        found = await web.calls.get_call(call_id)
    except CallNotFound:
        return None
    if not scope.may_see(user, agent_queues(web, user), found, web.ctx.clock.now()):
        log.warning("agent %s refused access to a call outside their scope", user.name)
        await web.audit.record(AuditEntry(web.ctx.clock.now(), user.name, f"{action}_refused", call_id, detail))
        return None
    await web.audit.record(AuditEntry(web.ctx.clock.now(), user.name, action, call_id, detail))
    return found


def _call_json(detail: Any, previous: list[Any]) -> dict[str, Any]:
    call = detail.call
    return {
        "call_id": call.id,
        "summary": call.summary or "",
        "service": call.service,
        "lang": call.lang,
        "intents": list(call.intents),
        "caller": mask_number(detail.caller_number or ""),
        "transcript": [{"speaker": t.speaker, "text": t.text} for t in call.transcript],
        "previous": [
            {"id": p.id, "started_at": p.started_at.isoformat(), "summary": p.summary or "",
             "outcome": p.outcome, "intents": list(p.intents)}
            for p in previous
        ],
    }


UNKNOWN = {"error": "appel inconnu"}


def _key(web: WebState, number: str | None) -> str | None:
    """The caller key a number is looked up by (the number itself is never a search key)."""
    return CallerKeys(web.ctx.settings.secrets.caller_key).key(number)


@router.get("/api/agent/call/{call_id}")
async def call_file(request: Request, call_id: str, user: Agent) -> Response:
    """The call's summary and what the same caller asked before (the agent's own calls only)."""
    web = state(request)
    detail = await _scoped_call(web, user, call_id, "read_call")
    if detail is None:
        return JSONResponse(UNKNOWN, status_code=404)
    previous = await previous_calls(web.ctx.sessions, _key(web, detail.caller_number), exclude=call_id)
    return JSONResponse(_call_json(detail, previous))


@router.get("/api/agent/lookup")
async def lookup(request: Request, number: str, user: Agent) -> Response:
    """Find the latest call of a caller-id number (when the SIP header is missing), if the agent's."""
    web = state(request)
    latest = await previous_calls(web.ctx.sessions, _key(web, number[:32]), limit=1)
    detail = await _scoped_call(web, user, latest[0].id, "lookup") if latest else None
    if detail is None:
        return JSONResponse(UNKNOWN, status_code=404)
    previous = await previous_calls(web.ctx.sessions, _key(web, number[:32]), exclude=latest[0].id)
    return JSONResponse(_call_json(detail, previous))


@router.get("/agent/stream", response_class=EventSourceResponse)
async def assist(request: Request, call_id: str, user: Agent) -> AsyncIterator[ServerSentEvent]:
    """Live assist for one of the agent's calls: transcripts and suggested answers as JSON events."""
    web = state(request)
    if await _scoped_call(web, user, call_id, "follow") is None:
        yield ServerSentEvent(data=UNKNOWN, event="refused", retry=600_000)
        return
    yield ServerSentEvent(comment="connected", retry=2000)
    async for event in web.ctx.live.subscribe():
        if event.call_id != call_id or not isinstance(event.body, ASSIST_EVENTS):
            continue
        data = {k: v for k, v in event.as_dict().items() if isinstance(v, str | int | float | None)}
        yield ServerSentEvent(data=data, event=event.kind)


@router.post("/api/agent/sms")
async def send_sms(request: Request, body: SmsIn, user: Agent) -> Response:
    """Queue a template SMS to the caller of one of the agent's calls (e.g. the suggested answer's link)."""
    web = state(request)
    if web.ctx.send_sms is None:
        return JSONResponse({"error": "SMS non configurés"}, status_code=503)
    detail = await _scoped_call(web, user, body.call_id, "sms", f"template={body.template} intent={body.intent}")
    if detail is None:
        return JSONResponse(UNKNOWN, status_code=404)
    if not detail.caller_number:
        return JSONResponse({"error": "numéro inconnu"}, status_code=422)
    try:
        text = scope.sms_text(body.template, web.ctx.knowledge.kb, body.intent, detail.call.lang,
                              web.ctx.settings.dialog.city_name)
    except scope.UnknownTemplate as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    try:
        await web.ctx.send_sms(body.call_id, detail.caller_number, text)
    except IvrError as exc:
        return JSONResponse({"error": exc.message}, status_code=422)
    return JSONResponse({"ok": True})
