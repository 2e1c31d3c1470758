"""The dialplan editor's logic: validate a template draft, diff it, apply it, roll back if Asterisk refuses.

Validation renders the Jinja template in the sandbox, with the same (secret-free) context as
``ivr asterisk render``, refuses applications outside the allow-list, and checks the
result line by line (contexts, ``exten =>`` / ``same =>`` lines, balanced parentheses) and that the inbound
context ``from-trunk`` still has an extension. Applying writes the template, asks Asterisk to reload, then
checks ``dialplan show from-trunk``; if the inbound extension is gone the previous template is restored and
reloaded.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ivr.config import Settings
from ivr.errors import TelephonyError
from ivr.security import dialplan as sandbox
from ivr.telephony.ami import AmiClient
from ivr.telephony.asterisk.layout import layout_for
from ivr.telephony.asterisk.render import template_context
from ivr.web.kbedit import write_atomically

TEMPLATE_NAME = "extensions.conf.j2"
INBOUND_CONTEXT = "from-trunk"
_CONTEXT = re.compile(r"^\[([A-Za-z0-9_\-.]+)\](\(!?[A-Za-z0-9_\-,!]*\))?\s*$")
_EXTEN = re.compile(r"^(exten|same)\s*=>?\s*(.*)$")
_PRIORITY = re.compile(r"^(\d+|n|hint|n\+\d+|s)(\([A-Za-z0-9_\-]+\))?$")
_ASSIGN = re.compile(r"^[A-Za-z0-9_\-.]+\s*=>?\s*.*$")


@dataclass(frozen=True, slots=True)
class DialplanProblem:
    """One problem in the rendered dialplan (line numbers are the rendered file's)."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What happened when applying a dialplan."""

    applied: bool
    rolled_back: bool
    output: str


def template_path(settings: Settings) -> Path:
    """The dialplan template being edited."""
    return settings.paths.dialplans_dir / TEMPLATE_NAME


def render(settings: Settings, text: str) -> str:
    """Render a draft in the sandbox, with the template context minus its secrets.

    Raises ``jinja2.TemplateError`` (the sandbox's ``SecurityError`` included).
    """
    context = sandbox.public_context(template_context(settings, layout_for(settings)))
    return sandbox.environment().from_string(text).render(**context)


def redact(settings: Settings, text: str) -> str:
    """Asterisk's or the checker's output with every configured secret blanked out."""
    s = settings.secrets
    return sandbox.redact(text, (s.ari_password, s.ami_password, s.agent_password, s.web_secret))


def _strip_comment(line: str) -> str:
    out = []
    escaped = False
    for ch in line:
        if ch == ";" and not escaped:
            break
        escaped = ch == "\\" and not escaped
        out.append(ch)
    return "".join(out).strip()


def inbound_extensions(rendered: str) -> list[str]:
    """The extension patterns of the inbound context, in order."""
    context, found = "", []
    for raw in rendered.splitlines():
        line = _strip_comment(raw)
        if m := _CONTEXT.match(line):
            context = m.group(1)
        elif context == INBOUND_CONTEXT and (m := _EXTEN.match(line)) and m.group(1) == "exten":
            found.append(m.group(2).split(",", 1)[0].strip())
    return found


def check_syntax(rendered: str) -> list[DialplanProblem]:
    """Basic syntax checks on a rendered ``extensions.conf``."""
    problems: list[DialplanProblem] = []
    context = ""
    seen_exten = False
    for no, raw in enumerate(rendered.splitlines(), 1):
        line = _strip_comment(raw)
        if not line:
            continue
        if line.startswith("["):
            m = _CONTEXT.match(line)
            if not m:
                problems.append(DialplanProblem(no, f"bad context header: {line}"))
                continue
            context, seen_exten = m.group(1), False
            continue
        if not context:
            problems.append(DialplanProblem(no, "line outside any [context]"))
            continue
        m = _EXTEN.match(line)
        if m:
            fields = [f.strip() for f in m.group(2).split(",", 2 if m.group(1) == "exten" else 1)]
            want = 3 if m.group(1) == "exten" else 2
            if len(fields) < want or not all(fields[:want]):
                problems.append(DialplanProblem(no, f"{m.group(1)} needs {want} comma-separated fields"))
                continue
            if m.group(1) == "same" and not seen_exten:
                problems.append(DialplanProblem(no, "'same =>' before any 'exten =>' in this context"))
            prio = fields[1] if m.group(1) == "exten" else fields[0]
            if not _PRIORITY.match(prio):
                problems.append(DialplanProblem(no, f"bad priority {prio!r}"))
            app = fields[-1]
            if app.count("(") != app.count(")"):
                problems.append(DialplanProblem(no, "unbalanced parentheses"))
            elif why := sandbox.application_problem(app):
                problems.append(DialplanProblem(no, why))
            seen_exten = True
            continue
        if not _ASSIGN.match(line):
            problems.append(DialplanProblem(no, f"not a dialplan line: {line}"))
    if not inbound_extensions(rendered):
        problems.append(DialplanProblem(0, f"context [{INBOUND_CONTEXT}] must keep an 'exten =>' line"))
    return problems


def validate(settings: Settings, text: str) -> tuple[str, list[DialplanProblem]]:
    """Render and check a draft; returns the rendered text ('' if it does not render) and the problems."""
    try:
        rendered = render(settings, text)
    except jinja2.TemplateSyntaxError as exc:
        return "", [DialplanProblem(exc.lineno, f"template: {exc.message}")]
    except jinja2.TemplateError as exc:
        return "", [DialplanProblem(0, f"template: {exc}")]
    return rendered, check_syntax(rendered)


def diff(old: str, new: str) -> str:
    """A unified diff of the template."""
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "actuel", "nouveau"))


def default_reload(settings: Settings, ami: AmiClient | None) -> Callable[[], Awaitable[str]]:
    """Render the dialplan into Asterisk's config directory and ``dialplan reload`` it over AMI."""

    async def reload() -> str:
        if ami is None:
            raise TelephonyError("no AMI connection: cannot reload the dialplan", retryable=False)
        text = render(settings, template_path(settings).read_text(encoding="utf-8"))
        write_atomically(layout_for(settings).etc / TEMPLATE_NAME.removesuffix(".j2"), text)
        return await ami.command("dialplan reload")

    return reload


async def inbound_still_served(ami: AmiClient | None, patterns: list[str]) -> tuple[bool, str]:
    """Ask Asterisk whether the inbound context lists every expected extension."""
    if ami is None:
        return False, "no AMI connection"
    shown = await ami.command(f"dialplan show {INBOUND_CONTEXT}")
    return all(f"'{p}' =>" in shown for p in patterns), shown


async def apply(
    settings: Settings,
    text: str,
    reload: Callable[[], Awaitable[str]],
    ami: AmiClient | None,
) -> ApplyResult:
    """Write the template, reload, verify; on failure restore the previous template and reload again."""
    path = template_path(settings)
    previous = path.read_text(encoding="utf-8")
    rendered, problems = validate(settings, text)
    if problems:
        return ApplyResult(False, False, "\n".join(f"{p.line}: {p.message}" for p in problems))
    write_atomically(path, text)
    output = ""
    try:
        output = await reload()
        ok, shown = await inbound_still_served(ami, inbound_extensions(rendered))
        output = f"{output}\n{shown}".strip()
    except Exception as exc:  # any failure means: put the old dialplan back
        ok, output = False, f"{output}\n{exc}".strip()
    if ok:
        return ApplyResult(True, False, output)
    write_atomically(path, previous)
    try:
        again = await reload()
    except Exception as exc:
        again = f"rollback reload failed: {exc}"
    return ApplyResult(False, True, f"{output}\n--- rollback ---\n{again}".strip())
