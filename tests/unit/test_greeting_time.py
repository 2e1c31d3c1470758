"""Answer -> "you may speak": the invitation ends the count; what follows is timed separately."""

from __future__ import annotations

from ivr.dialog.actions import Listen, Say
from ivr.dialog.greeting_time import measure


async def fake_voice(text: str, lang: str) -> bytes:
    return b"\0\0" * 16_000 * len(text.split())  # one second a word


async def test_the_count_stops_at_the_invitation() -> None:
    actions = [Say("greeting_open", "Bonjour mairie", "fr"), Say("how_can_i_help", "Votre question", "fr"),
               Say("language_offer", "For English press nine", "en"), Listen(8.0), Say("never", "x y z", "fr")]
    got = await measure("open", "fr", actions, fake_voice)
    assert (got.seconds, got.total_s) == (4.0, 8.0)
    assert got.keys == ("greeting_open", "how_can_i_help", "language_offer") and got.interruptible


async def test_without_an_invitation_everything_counts() -> None:
    got = await measure("x", "fr", [Say("a", "un deux", "fr", interruptible=False), Listen(8.0)], fake_voice)
    assert (got.seconds, got.total_s, got.interruptible) == (2.0, 2.0, False)
