"""Rules for the admin's dialplan text: rendered in Jinja's sandbox, without secrets, with known applications only.

The dialplan editor is a web form; whoever holds an admin session (or steals one) must not get a shell or
the telephony passwords from it. Plain Jinja lets ``{{ lipsum.__globals__.os.popen(...) }}`` run a command
while merely *validating*; the sandbox refuses such attribute access, and the context handed to the
template carries no password at all, so nothing secret can be rendered or echoed back. Asterisk itself can
run programs from a dialplan (``System()``, ``TrySystem()``, ``MixMonitor()``'s command argument,
``SHELL()``); only the applications listed in :data:`ALLOWED_APPLICATIONS` pass, and functions that reach
the shell, files or the network are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

SECRET_KEYS = frozenset({"ari_password", "ami_password", "agent_password", "agent_passwords", "web_secret",
                         "caller_key"})

ALLOWED_APPLICATIONS = frozenset({
    "answer", "background", "busy", "congestion", "dial", "echo", "gosub", "gosubif", "goto", "gotoif",
    "hangup", "log", "noop", "playback", "playtones", "progress", "queue", "return", "ringing", "set",
    "stasis", "stopplaytones", "verbose", "wait", "waitexten",
})
"""What the city's dialplan uses, plus harmless neighbours. Not ``System``, ``TrySystem``, ``Exec``,
``ExecIf``, ``MixMonitor``, ``Originate``, ``Monitor``..."""

FORBIDDEN_FUNCTIONS = re.compile(
    r"\b(SHELL|FILE|FILE_COUNT_LINE|FILE_FORMAT|CURL|CURLOPT|ODBC\w*|DB|DB_DELETE|DB_KEYS|AST_CONFIG|ENV|"
    r"STAT|SYSINFO|EVAL|EVAL_EXTEN|EXEC)\s*\(", re.IGNORECASE)

_APP = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(\(|$)")


def environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """A sandboxed, immutable Jinja environment for dialplan templates (no attribute tricks, no mutation)."""
    return ImmutableSandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined,
                                         keep_trailing_newline=True, autoescape=False)


def public_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The template context without any secret."""
    return {k: v for k, v in context.items() if k not in SECRET_KEYS}


def application_problem(app_field: str) -> str | None:
    """Why an ``exten``/``same`` line's application is refused (``None`` when allowed)."""
    m = _APP.match(app_field)
    if not m:
        return f"not an application call: {app_field[:40]!r}"
    if m.group(1).lower() not in ALLOWED_APPLICATIONS:
        return f"application {m.group(1)}() is not allowed in the dialplan editor"
    if f := FORBIDDEN_FUNCTIONS.search(app_field):
        return f"function {f.group(1).upper()}() is not allowed in the dialplan editor"
    return None


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every (non-empty) secret value replaced by ``•••``: Asterisk's output is shown to the admin."""
    for value in secrets:
        if value and len(value) >= 6:
            text = text.replace(value, "•••")
    return text
