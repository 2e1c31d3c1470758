"""The public web chat: same matcher and abstention as the phone, the chat variant of the answers."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ivr.actions import quota
from ivr.actions.numbers import InvalidNumber, normalize_mobile
from ivr.errors import IvrError
from ivr.security.confirm import ConfirmationFailed
from ivr.store.callers import CallerKeys
from ivr.store.console import create_callback_request
from ivr.web.chat import MAX_CHAT_TEXT, chat_reply
from ivr.web.deps import render, state
from ivr.web.guards import ChatCallback, client_ip

log = logging.getLogger(__name__)
router = APIRouter()


class ChatIn(BaseModel):
    """A citizen's message."""

    text: str = Field(max_length=MAX_CHAT_TEXT)
    lang: str = "fr"


class CallbackIn(BaseModel):
    """A citizen's callback request."""

    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(min_length=4, max_length=32)
    service: str = Field(default="", max_length=64)
    """Empty or unknown: the reception service (``dialog.reception_service``)."""
    lang: str = "fr"
    question: str = Field(default="", max_length=MAX_CHAT_TEXT)


class ConfirmIn(BaseModel):
    """The SMS code of a pending chat callback request."""

    token: str = Field(min_length=8, max_length=64)
    code: str = Field(min_length=1, max_length=12)
    lang: str = "fr"


@router.get("/chat")
async def chat_page(request: Request) -> Response:
    """The chat widget page (no login)."""
    kb = state(request).ctx.knowledge.kb
    services = sorted(((s.id, s.name.get("fr", s.id)) for s in kb.services.values() if s.hours),
                      key=lambda x: x[1])
    return render(request, "chat.html", services=services)


@router.post("/api/chat")
async def chat(request: Request, body: ChatIn) -> dict[str, Any]:
    """Answer one message: ``{decision, intent, answer, link, offer_callback, service, choices}``."""
    web = state(request)
    lang = body.lang if body.lang in ("fr", "en") else "fr"
    matcher = web.ctx.matcher()
    result = await asyncio.to_thread(matcher.match, body.text, lang)
    reply = chat_reply(web.ctx.knowledge.kb, result, web.ctx.settings.dialog.reception_service)
    log.debug("chat: decision=%s intent=%s", reply.decision, reply.intent)
    data = dataclasses.asdict(reply)
    data["choices"] = list(reply.choices)
    return data


def _say(lang: str, fr: str, en: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"ok": False, "error": en if lang == "en" else fr}, status_code=status)


@router.post("/api/chat/callback")
async def chat_callback(request: Request, body: CallbackIn) -> Response:
    """Start a callback request: check the number and the limits, then text it a code to confirm.

    Nothing is scheduled until ``/api/chat/callback/confirm`` brings the code back: typing someone else's
    number makes the city call nobody.
    """
    web = state(request)
    sec = web.ctx.settings.security
    lang = "en" if body.lang == "en" else "fr"
    if web.ctx.send_sms is None:
        return _say(lang, "Le rappel par le web est indisponible : appelez la mairie.",
                    "Web callbacks are unavailable: please call the city hall.", 503)
    try:
        number = normalize_mobile(body.phone, web.ctx.settings.sms.region, sec.number_regions)
    except InvalidNumber:
        return _say(lang, "Numéro invalide : indiquez un numéro de mobile français (06 ou 07).",
                    "Invalid number: please give a French mobile number (06 or 07).")
    guards = web.guards
    if not guards.chat_callback_ip.hit(client_ip(request)) or not guards.chat_callback_number.hit(number):
        log.warning("chat callback refused: rate limit")
        return _say(lang, "Trop de demandes : réessayez plus tard.", "Too many requests: try again later.", 429)
    try:
        usage = await quota.recent_callbacks(web.ctx.sessions, number, web.ctx.clock.now())
        quota.check(usage, sec.callbacks_per_number_day, sec.pending_callbacks_per_number)
    except quota.QuotaExceeded:
        return _say(lang, "Un rappel est déjà prévu pour ce numéro.", "A callback is already planned for this number.",
                    429)
    kb = web.ctx.knowledge.kb
    service = body.service if body.service in kb.services else web.ctx.settings.dialog.reception_service
    challenge = guards.confirmations.start(
        ChatCallback(number, body.name.strip(), service, lang, body.question.strip()))
    text = (f"Mairie : votre code de confirmation est {challenge.code}" if lang == "fr"
            else f"City hall: your confirmation code is {challenge.code}")
    try:
        await web.ctx.send_sms("", number, text)
    except IvrError as exc:
        log.warning("chat callback: confirmation SMS refused (%s)", exc.code)
        return _say(lang, "Impossible d'envoyer le SMS de confirmation à ce numéro.",
                    "The confirmation SMS could not be sent to this number.")
    msg = ("Un code vous a été envoyé par SMS : saisissez-le pour confirmer le rappel."
           if lang == "fr" else "A code was sent to you by SMS: enter it to confirm the callback.")
    return JSONResponse({"ok": True, "confirm": True, "token": challenge.token, "message": msg})


@router.post("/api/chat/callback/confirm")
async def confirm_callback(request: Request, body: ConfirmIn) -> Response:
    """Schedule the callback whose SMS code came back (3 wrong codes drop the request)."""
    web = state(request)
    lang = "en" if body.lang == "en" else "fr"
    if not web.guards.chat_confirm_ip.hit(client_ip(request)):
        return _say(lang, "Trop d'essais : réessayez plus tard.", "Too many tries: try again later.", 429)
    try:
        req = web.guards.confirmations.confirm(body.token, body.code)
    except ConfirmationFailed:
        return _say(lang, "Code incorrect ou expiré.", "Wrong or expired code.")
    sec = web.ctx.settings.security
    now = web.ctx.clock.now()
    try:
        quota.check(await quota.recent_callbacks(web.ctx.sessions, req.number, now),
                    sec.callbacks_per_number_day, sec.pending_callbacks_per_number)
    except quota.QuotaExceeded:
        return _say(lang, "Un rappel est déjà prévu pour ce numéro.", "A callback is already planned for this number.",
                    429)
    summary = f"Demande web de {req.name}" + (f" : {req.question}" if req.question else "")
    cid = await create_callback_request(web.ctx.sessions, number=req.number, service=req.service, lang=req.lang,
                                        summary=summary, now=now,
                                        # so that calling the city hall later says "you asked to be called back"
                                        caller_key=CallerKeys(web.ctx.settings.secrets.caller_key).key(req.number))
    msg = ("Merci, un agent de la mairie vous rappellera dès que possible, aux heures d'ouverture."
           if lang == "fr" else "Thank you, a city hall agent will call you back during opening hours.")
    return JSONResponse({"ok": True, "id": cid, "message": msg})
