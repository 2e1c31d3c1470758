"""The call as a state machine: named states, named transitions, illegal ones raise."""

from __future__ import annotations

import logging
from enum import StrEnum

from ivr.errors import DialogError

log = logging.getLogger(__name__)


class CallState(StrEnum):
    """Where a call is, from the bot's point of view."""

    NEW = "NEW"
    ANSWERED = "ANSWERED"
    MEDIA = "MEDIA"
    """Caller audio flows to Python and back."""
    CONVERSING = "CONVERSING"
    HANDED_OFF = "HANDED_OFF"
    """Sent to a queue or the dialplan on purpose."""
    ENDED = "ENDED"


TRANSITIONS: dict[tuple[CallState, str], CallState] = {
    (CallState.NEW, "answer"): CallState.ANSWERED,
    (CallState.ANSWERED, "media_connected"): CallState.MEDIA,
    (CallState.MEDIA, "dialog_started"): CallState.CONVERSING,
    (CallState.CONVERSING, "handoff"): CallState.HANDED_OFF,
    (CallState.MEDIA, "handoff"): CallState.HANDED_OFF,
    (CallState.ANSWERED, "handoff"): CallState.HANDED_OFF,
}
# Ending is legal from anywhere but ENDED itself.
for _s in CallState:
    if _s is not CallState.ENDED:
        TRANSITIONS[(_s, "end")] = CallState.ENDED


class CallStateMachine:
    """Tracks one call's state; every change is logged as ``STATE -event-> STATE``."""

    def __init__(self) -> None:
        self.state = CallState.NEW

    def fire(self, event: str) -> CallState:
        """Apply a named transition."""
        target = TRANSITIONS.get((self.state, event))
        if target is None:
            raise DialogError(f"illegal call transition {self.state} -{event}->")
        log.debug("%s -%s-> %s", self.state, event, target)
        self.state = target
        return target

    def can(self, event: str) -> bool:
        """Whether ``event`` is legal now."""
        return (self.state, event) in TRANSITIONS
