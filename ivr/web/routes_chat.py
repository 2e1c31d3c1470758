"""The public web chat: same matcher and abstention as the phone, the chat variant of the answers."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ivr.web.app import render, state
from ivr.web.chat import MAX_CHAT_TEXT, chat_reply, normalise_mobile
from ivr.web.queries import create_callback_request

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
    service: str = Field(default="accueil", max_length=64)
    lang: str = "fr"
    question: str = Field(default="", max_length=MAX_CHAT_TEXT)


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


@router.post("/api/chat/callback")
async def chat_callback(request: Request, body: CallbackIn) -> Response:
    """Store a callback request; the number must be a French or international mobile."""
    web = state(request)
    number = normalise_mobile(body.phone)
    if number is None:
        msg = ("Numéro invalide : indiquez un numéro de mobile (06, 07 ou +33 6/7, ou un mobile étranger)."
               if body.lang != "en" else "Invalid number: please give a mobile phone number.")
        return JSONResponse({"ok": False, "error": msg}, status_code=422)
    kb = web.ctx.knowledge.kb
    service = body.service if body.service in kb.services else web.ctx.settings.dialog.reception_service
    summary = f"Demande web de {body.name.strip()}" + (f" : {body.question.strip()}" if body.question.strip() else "")
    cid = await create_callback_request(
        web.ctx.sessions, number=number, service=service, lang=body.lang if body.lang == "en" else "fr",
        summary=summary, now=web.ctx.clock.now(),
    )
    msg = ("Merci, un agent de la mairie vous rappellera dès que possible, aux heures d'ouverture."
           if body.lang != "en" else "Thank you, a city hall agent will call you back during opening hours.")
    return JSONResponse({"ok": True, "id": cid, "message": msg})
