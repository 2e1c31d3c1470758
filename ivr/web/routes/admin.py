"""Admin: the knowledge base editor (lint, try, publish), unanswered questions, services' hours."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ivr.errors import IvrError
from ivr.nlu.matcher import Matcher, build_matcher
from ivr.nlu.recalibrate import calibrated_version, is_stale
from ivr.web.deps import Admin, WebState, render, state
from ivr.web.kbedit import EDITABLE_FILES, file_for, lint_draft, load_draft, publish, with_utterance

log = logging.getLogger(__name__)
router = APIRouter()

NEW_INTENT = """id: {id}
service: accueil
kind: answer
reviewed: {today}
utterances:
  fr:
    - ...
  en:
    - ...
answer:
  fr:
    voice: "..."
    chat: "..."
  en:
    voice: "..."
    chat: "..."
"""


@router.get("/admin")
async def admin_home(request: Request, user: Admin) -> Response:
    """The list of intents and editable files."""
    web = state(request)
    kb = web.ctx.knowledge.kb
    intents = sorted(kb.intents.values(), key=lambda i: (i.service, i.id))
    calibration = web.ctx.settings.nlu.calibration_file
    return render(request, "admin.html", user=user, intents=intents, files=EDITABLE_FILES, version=kb.version,
                  calibrated=calibrated_version(calibration), stale=is_stale(calibration, kb))


@router.get("/admin/kb/{name}")
async def edit_page(request: Request, name: str, user: Admin) -> Response:
    """Edit one intent (or ``services.yaml`` / ``facts.yaml``) in a textarea."""
    web = state(request)
    path = file_for(web.ctx.knowledge.directory, name)
    text = path.read_text(encoding="utf-8") if path.exists() else NEW_INTENT.format(
        id=name, today=date.today().isoformat())
    return render(request, "edit.html", user=user, name=name, text=text, exists=path.exists())


@router.post("/admin/kb/{name}/lint")
async def lint(request: Request, name: str, text: Annotated[str, Form()], _user: Admin) -> Response:
    """Lint the draft (htmx fragment)."""
    directory = state(request).ctx.knowledge.directory
    issues = await asyncio.to_thread(lint_draft, directory, name, text)
    return render(request, "_issues.html", issues=issues, published=False)


@router.post("/admin/kb/{name}/publish")
async def publish_file(request: Request, name: str, text: Annotated[str, Form()], _user: Admin) -> Response:
    """Lint, write atomically, then let the bot reload (htmx fragment)."""
    web = state(request)
    issues = await asyncio.to_thread(publish, web.ctx.knowledge.directory, name, text)
    published = not any(i.error for i in issues)
    if published:
        await web.ctx.on_publish()
        log.info("knowledge file %s published", name)
    return render(request, "_issues.html", issues=issues, published=published)


async def _try(web: WebState, text: str, lang: str, name: str, draft: str) -> dict[str, Any]:
    live = web.ctx.matcher()
    matcher: Matcher = live
    note = "base publiée"
    if draft:
        try:
            kb = await asyncio.to_thread(load_draft, web.ctx.knowledge.directory, name, draft)
            encoder = getattr(live, "encoder", None)
            matcher = await asyncio.to_thread(build_matcher, kb, web.ctx.settings.nlu.calibration_file, encoder)
            note = "brouillon"
        except IvrError:
            note = "base publiée (le brouillon a des erreurs)"
    result = await asyncio.to_thread(matcher.match, text, lang)
    return {"result": result, "note": note}


@router.post("/admin/try")
async def try_it(
    request: Request,
    _user: Admin,
    question: Annotated[str, Form()],
    lang: Annotated[str, Form()] = "fr",
    name: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Show the matcher's decision on a question, against the draft when there is one (htmx fragment)."""
    values = await _try(state(request), question, lang if lang in ("fr", "en") else "fr", name, text)
    return render(request, "_try.html", **values)


@router.get("/admin/unanswered")
async def unanswered(request: Request, user: Admin) -> Response:
    """Questions the bot could not answer, each with a suggested intent."""
    web = state(request)
    questions = await web.stats.unanswered_questions(limit=100)
    matcher = web.ctx.matcher()
    rows = []
    for q in questions:
        result = await asyncio.to_thread(matcher.match, q.text, q.lang)
        rows.append((q, result.candidates[0].intent if result.candidates else ""))
    intents = sorted(web.ctx.knowledge.kb.intents)
    return render(request, "unanswered.html", user=user, rows=rows, intents=intents)


@router.post("/admin/unanswered/add")
async def add_utterance(
    request: Request,
    _user: Admin,
    intent: Annotated[str, Form()],
    lang: Annotated[str, Form()],
    text: Annotated[str, Form()],
) -> Response:
    """Add a question as an utterance of an intent, lint, publish (htmx fragment)."""
    web = state(request)
    path = file_for(web.ctx.knowledge.directory, intent)
    try:
        draft = with_utterance(path.read_text(encoding="utf-8"), lang, text)
    except (IvrError, OSError) as exc:
        return render(request, "_issues.html", issues=[], published=False, error=str(exc))
    issues = await asyncio.to_thread(publish, web.ctx.knowledge.directory, intent, draft)
    published = not any(i.error for i in issues)
    if published:
        await web.ctx.on_publish()
    return render(request, "_issues.html", issues=[i for i in issues if i.error], published=published,
                  added=f"{intent} ({lang})")
