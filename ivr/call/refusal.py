"""Why a callback asked on a live call was not booked, in the dialog's words (``CallbackRefused.reason``).

The scheduler refuses numbers the city may not dial and callers over their caps with errors of stable codes
(``invalid_number``, ``quota_exceeded``); a withheld caller ID never reaches it. Pure: the session turns any of
these into a spoken explanation and a way on, instead of the error path that sent the caller to reception
without a word.
"""

from __future__ import annotations

from ivr.dialog.events import CallbackRefusal
from ivr.errors import IvrError

WITHHELD = frozenset({"", "anonymous", "unknown", "restricted", "private", "unavailable", "withheld"})
"""Caller-ID values meaning "no number": what carriers and Asterisk put in ``CALLERID(num)`` when it is hidden."""

_BY_CODE: dict[str, CallbackRefusal] = {"invalid_number": "number", "quota_exceeded": "quota"}


def is_withheld(number: str | None) -> bool:
    """True when the caller ID carries no number to call back."""
    return number is None or number.strip().lower() in WITHHELD


def refusal_of(error: IvrError) -> CallbackRefusal:
    """The reason to tell the caller for an error raised while booking their callback."""
    return _BY_CODE.get(error.code, "failed")
