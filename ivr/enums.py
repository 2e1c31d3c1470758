"""The small enumerations several layers share: how a call ends, who speaks.

A leaf module (it imports nothing from ``ivr``) so that the dialog, which must not know the call layer, the
call events, and the store, which must not know the dialog, all use the same values.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """How a call ended (``None`` while it is live)."""

    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    CALLBACK = "callback"
    ABANDONED = "abandoned"
    EMERGENCY = "emergency"
    FAILED = "failed"


class Speaker(StrEnum):
    """Who said a turn."""

    CALLER = "caller"
    BOT = "bot"
    AGENT = "agent"
