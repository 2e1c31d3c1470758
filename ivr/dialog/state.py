"""The dialog's named states and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where the conversation is."""

    NEW = "NEW"
    """Not started."""
    LISTENING = "LISTENING"
    """Asked "how can I help?": waiting for a request."""
    CLARIFYING = "CLARIFYING"
    """Asked "A or B?"."""
    CONFIRMING_INTENT = "CONFIRMING_INTENT"
    """Not sure enough to answer: asked "you are calling about X, is that right?"."""
    CONFIRMING_SMS = "CONFIRMING_SMS"
    """Asked "do you want the link by SMS?"."""
    SENDING_SMS = "SENDING_SMS"
    """Waiting for the shell to queue the SMS."""
    CONFIRMING_TRANSFER = "CONFIRMING_TRANSFER"
    """Asked "do you want to speak to someone from that service?"."""
    OFFERING_HELP = "OFFERING_HELP"
    """Could not understand: offered a human (0) or a callback (1)."""
    OFFERING_CALLBACK = "OFFERING_CALLBACK"
    """The service is closed or busy: offered a callback."""
    SCHEDULING_CALLBACK = "SCHEDULING_CALLBACK"
    """Waiting for the shell to store the callback."""
    ANYTHING_ELSE = "ANYTHING_ELSE"
    """Asked "anything else?"."""
    REVIEWING_CALLBACK = "REVIEWING_CALLBACK"
    """A returning caller heard their pending callback: 1 cancels it, 2 keeps it."""
    TRANSFERRING = "TRANSFERRING"
    """The caller is in a queue."""
    EMERGENCY = "EMERGENCY"
    """The emergency instruction was given (and maybe an emergency transfer started)."""
    ENDED = "ENDED"
    """Hung up or handed to an agent: nothing more happens."""


LISTENING_STATES: frozenset[State] = frozenset({
    State.LISTENING, State.CLARIFYING, State.CONFIRMING_INTENT, State.CONFIRMING_SMS, State.CONFIRMING_TRANSFER,
    State.OFFERING_HELP, State.OFFERING_CALLBACK, State.ANYTHING_ELSE, State.REVIEWING_CALLBACK,
})
"""States in which the bot waits for the caller's words or keys."""

_CONVERSING = LISTENING_STATES | {
    State.SENDING_SMS, State.SCHEDULING_CALLBACK, State.TRANSFERRING, State.EMERGENCY, State.ENDED,
}

TRANSITIONS: dict[State, frozenset[State]] = {
    State.NEW: frozenset({State.LISTENING, State.ENDED}),
    **{s: frozenset(_CONVERSING) for s in LISTENING_STATES},
    State.SENDING_SMS: frozenset({State.ANYTHING_ELSE, State.ENDED}),
    State.SCHEDULING_CALLBACK: frozenset({State.TRANSFERRING, State.ENDED}),  # refused: reception's queue
    State.TRANSFERRING: frozenset({State.SCHEDULING_CALLBACK, State.OFFERING_CALLBACK, State.ENDED}),
    State.EMERGENCY: frozenset({State.ENDED}),
    State.ENDED: frozenset(),
}
"""Allowed moves; anything else raises :class:`~ivr.errors.DialogError`."""
