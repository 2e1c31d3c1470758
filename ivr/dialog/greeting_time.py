"""How long a caller waits from answer to "you may speak", for each greeting, in the synthesised voice.

"You may speak" is the end of the invitation (``how_can_i_help``): the greeting's length is the sum of the
synthesised durations (PCM16 mono 16 kHz, so bytes / 32 000) of every ``Say`` up to and including it. What
follows before the ``Listen`` (the language offer) plays while barge-in already takes the caller's words;
``total_s`` counts it too. The number that matters is what a first-time caller sits through.
``bench/greeting_lengths.py`` prints the table; an integration test keeps every greeting under
``MAX_GREETING_S`` in the real voice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.dialog.actions import Listen, Say

MAX_GREETING_S = 6.0
"""The issue's target: under 6 s from answer to the invitation to speak."""
PCM_BYTES_PER_S = 32_000
INVITATION = "how_can_i_help"
PARIS = ZoneInfo("Europe/Paris")
SITUATIONS: dict[str, datetime] = {
    "open": datetime(2026, 11, 24, 10, 0, tzinfo=PARIS),  # a Tuesday morning
    "closed": datetime(2026, 11, 22, 15, 0, tzinfo=PARIS),  # a Sunday
    "holiday": datetime(2026, 7, 14, 10, 0, tzinfo=PARIS),  # Bastille Day
}


@dataclass(frozen=True, slots=True)
class GreetingLength:
    """One greeting as a caller hears it."""

    situation: str
    lang: str
    keys: tuple[str, ...]
    seconds: float
    """Answer to the end of the invitation to speak."""
    total_s: float
    """Answer to the first ``Listen`` (what plays after the invitation is interruptible)."""
    interruptible: bool
    """Every part can be cut short by speaking or a key (barge-in)."""


def greeting_says(actions: Sequence[object]) -> list[Say]:
    """The prompts said before the first ``Listen``."""
    says: list[Say] = []
    for a in actions:
        if isinstance(a, Listen):
            break
        if isinstance(a, Say):
            says.append(a)
    return says


async def measure(
    situation: str, lang: str, actions: Sequence[object], synthesize: Callable[[str, str], Awaitable[bytes]]
) -> GreetingLength:
    """Synthesise the greeting of ``actions`` and add up its durations."""
    says = greeting_says(actions)
    total = until_invited = 0
    invited = False
    for s in says:
        total += len(await synthesize(s.text, s.lang))
        if not invited:
            until_invited = total
            invited = s.key == INVITATION
    return GreetingLength(situation, lang, tuple(s.key for s in says), round(until_invited / PCM_BYTES_PER_S, 2),
                          round(total / PCM_BYTES_PER_S, 2), all(s.interruptible for s in says))
