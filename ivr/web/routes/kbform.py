"""Admin: an intent as a form (questions, answers with a fact picker, service, follow-up, listen, try it)."""

from __future__ import annotations

import asyncio
import io
import logging
import wave
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ivr.errors import IvrError
from ivr.web.deps import Admin, render, state
from ivr.web.kbedit import EDITABLE_FILES, INTENT_ID, file_for, lint_draft, load_draft, publish
from ivr.web.kbform import CHANNELS, KINDS, OFFERS, form_from_fields, form_of, yaml_of
from ivr.web.routes.admin import _try

log = logging.getLogger(__name__)
router = APIRouter()
FIELDS = ("service", "kind", "offer", "link", "questions_fr", "questions_en",
          *(f"answer_{lang}_{ch}" for lang in ("fr", "en") for ch in CHANNELS))


async def _posted(request: Request, name: str) -> str:
    """The posted form as the intent file's text."""
    data = await request.form()
    fields = {k: str(data.get(k) or "") for k in FIELDS}
    return yaml_of(form_from_fields(name, fields, date.today()))


@router.get("/admin/kb-new")
async def new_intent(_user: Admin, id: str = "") -> Response:
    """The admin page's "new intent" box: open the form for that id."""
    if not INTENT_ID.match(id):
        return RedirectResponse("/admin", status_code=303)
    return RedirectResponse(f"/admin/kb/{id}/form", status_code=303)


@router.get("/admin/kb/{name}/form")
async def form_page(request: Request, name: str, user: Admin) -> Response:
    """The form view of an intent (services.yaml and facts.yaml stay in the YAML view)."""
    web = state(request)
    if name in EDITABLE_FILES:
        return RedirectResponse(f"/admin/kb/{name}", status_code=303)
    path = file_for(web.ctx.knowledge.directory, name)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kb = web.ctx.knowledge.kb
    services = sorted(((s.id, s.name.get("fr", s.id)) for s in kb.services.values()), key=lambda x: x[1])
    return render(request, "kbform.html", user=user, name=name, form=form_of(text, name), exists=path.exists(),
                  services=services, facts=sorted(kb.facts), kinds=KINDS, offers=OFFERS, channels=CHANNELS,
                  can_listen=web.ctx.speak is not None)


@router.post("/admin/kb/{name}/form/check")
async def form_check(request: Request, name: str, _user: Admin) -> Response:
    """Lint the form as a file (htmx fragment), with the YAML it becomes."""
    text = await _posted(request, name)
    issues = await asyncio.to_thread(lint_draft, state(request).ctx.knowledge.directory, name, text)
    return render(request, "_issues.html", issues=issues, published=False, preview=text)


@router.post("/admin/kb/{name}/form/publish")
async def form_publish(request: Request, name: str, _user: Admin) -> Response:
    """Lint, write atomically, let the bot reload: exactly what the YAML view's publish does."""
    web = state(request)
    text = await _posted(request, name)
    issues = await asyncio.to_thread(publish, web.ctx.knowledge.directory, name, text)
    published = not any(i.error for i in issues)
    if published:
        await web.ctx.on_publish()
        log.info("knowledge file %s published from the form", name)
    return render(request, "_issues.html", issues=issues, published=published)


def _wav(pcm: bytes, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


@router.post("/admin/kb/{name}/form/listen")
async def form_listen(request: Request, name: str, _user: Admin, lang: Annotated[str, Form()] = "fr") -> Response:
    """The voice answer as the caller will hear it: facts filled in by the loader, said by the bot's voice."""
    web = state(request)
    if web.ctx.speak is None:
        return Response("no voice configured", status_code=404)
    lang = lang if lang in ("fr", "en") else "fr"
    text = await _posted(request, name)
    try:
        kb = await asyncio.to_thread(load_draft, web.ctx.knowledge.directory, name, text)
    except IvrError as exc:
        return Response(f"the draft does not load: {exc.message}", status_code=422)
    answer = kb.intents[name].answers.get(lang) if name in kb.intents else None
    if answer is None or not answer.voice:
        return Response("no voice answer", status_code=422)
    pcm = await web.ctx.speak(answer.voice, lang)
    return Response(_wav(pcm), media_type="audio/wav")


@router.post("/admin/kb/{name}/form/try")
async def form_try(request: Request, name: str, _user: Admin) -> Response:
    """Which intents compete for a question, and how close they are, with the form's draft in place."""
    data = await request.form()
    question = str(data.get("question") or "")
    lang = "en" if data.get("lang") == "en" else "fr"
    values = await _try(state(request), question, lang, name, await _posted(request, name))
    return render(request, "_try.html", **values)
