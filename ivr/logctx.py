"""Per-call context in every log line, through contextvars (never the caller's number or words)."""

from __future__ import annotations

import contextvars
import logging

call_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("call_id", default="")


class _CallContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        cid = call_id_var.get()
        record.call_ctx = f"[call {cid}] " if cid else ""
        return True


def install_log_context() -> None:
    """Add ``%(call_ctx)s`` to every record of every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _CallContextFilter) for f in handler.filters):
            handler.addFilter(_CallContextFilter())
