"""Admin: the dialplan editor (validate, diff, apply with automatic rollback)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ivr.web import dialplan
from ivr.web.deps import Admin, render, state

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/admin/dialplan")
async def editor(request: Request, user: Admin) -> Response:
    """The template in a textarea."""
    settings = state(request).ctx.settings
    text = dialplan.template_path(settings).read_text(encoding="utf-8")
    return render(request, "dialplan.html", user=user, text=text)


@router.post("/admin/dialplan/validate")
async def validate(request: Request, text: Annotated[str, Form()], _user: Admin) -> Response:
    """Render + check the draft and show the diff (htmx fragment)."""
    settings = state(request).ctx.settings
    current = dialplan.template_path(settings).read_text(encoding="utf-8")
    _, problems = dialplan.validate(settings, text)
    problems = [dataclasses.replace(p, message=dialplan.redact(settings, p.message)) for p in problems]
    return render(request, "_dialplan_check.html", problems=problems, diff=dialplan.diff(current, text))


@router.post("/admin/dialplan/apply")
async def apply(request: Request, text: Annotated[str, Form()], _user: Admin) -> Response:
    """Apply the draft: write, reload, verify, roll back on failure (htmx fragment)."""
    ctx = state(request).ctx
    reload = ctx.reload_dialplan or dialplan.default_reload(ctx.settings, ctx.ami)
    result = await dialplan.apply(ctx.settings, text.replace("\r\n", "\n"), reload, ctx.ami)
    result = dataclasses.replace(result, output=dialplan.redact(ctx.settings, result.output))
    log.info("dialplan apply: applied=%s rolled_back=%s", result.applied, result.rolled_back)
    return render(request, "_dialplan_result.html", result=result)
