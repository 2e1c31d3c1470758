"""A callback the city may not make, refused on a live call: the caller hears why and gets a way on.

Premium-rate or foreign numbers, the per-number caps, a withheld caller ID, or a store failure: never the
error path, never silence (issue 11). Reception's queue when it is open and had agents on this call,
otherwise when to call again, then goodbye.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.config import DialogSettings
from ivr.dialog.actions import Say
from ivr.dialog.events import CallbackRefused, Dtmf, Event, QueueExited
from ivr.dialog.hours import OpeningHours
from ivr.dialog.policy import Dialog
from ivr.dialog.prompts import PROMPTS
from ivr.dialog.state import State
from ivr.testing.dialog_fakes import describe, heard, sample_knowledge

PARIS = ZoneInfo("Europe/Paris")
OPEN = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)  # Tuesday morning
CLOSED = datetime(2026, 12, 15, 20, 0, tzinfo=PARIS)  # Tuesday evening


def make(now: datetime) -> Dialog:
    kb = sample_knowledge()
    settings = DialogSettings()
    dialog = Dialog(kb, OpeningHours.from_knowledge(kb, settings), settings)
    dialog.start(now)
    return dialog


def run(dialog: Dialog, event: Event) -> list[str]:
    return [describe(a) for a in dialog.handle(event)]


def to_help_offer(dialog: Dialog) -> None:
    """Two misses: "a person (0) or a callback (1)?"."""
    run(dialog, heard("blablabla", None))
    run(dialog, heard("euh truc", None))
    assert dialog.state is State.OFFERING_HELP


def test_closed_refused_number_says_why_then_when_to_call_again() -> None:
    dialog = make(CLOSED)
    to_help_offer(dialog)
    assert run(dialog, Dtmf("1")) == ["# dtmf", "ScheduleCallback accueil Wed 08:30",
                                      "# OFFERING_HELP -> SCHEDULING_CALLBACK"]
    assert run(dialog, CallbackRefused("number")) == [
        "# callback_refused", "Say callback_refused_number", "Say call_again_at", "Say goodbye", "# outcome",
        "Hangup abandoned", "# SCHEDULING_CALLBACK -> ENDED"]


def test_closed_the_caller_hears_the_next_opening() -> None:
    dialog = make(CLOSED)
    to_help_offer(dialog)
    run(dialog, Dtmf("1"))
    says = [a for a in dialog.handle(CallbackRefused("number")) if isinstance(a, Say)]
    assert says[0].text == "Désolé, je ne peux pas vous rappeler à ce numéro."
    assert "demain" in says[1].text and "8 h 30" in says[1].text


def test_open_refused_over_the_cap_goes_to_reception() -> None:
    dialog = make(OPEN)
    to_help_offer(dialog)
    assert run(dialog, Dtmf("1"))[1] == "ScheduleCallback accueil Tue 10:00"
    assert run(dialog, CallbackRefused("quota")) == [
        "# callback_refused", "Say callback_refused_quota", "Say transfer", "Transfer accueil",
        "# SCHEDULING_CALLBACK -> TRANSFERRING"]
    assert dialog.state is State.TRANSFERRING


def test_open_but_no_agent_on_this_call_gives_the_opening_hours_not_the_queue_again() -> None:
    dialog = make(OPEN)
    run(dialog, Dtmf("0"))
    run(dialog, QueueExited("accueil", "no_agents"))
    assert dialog.state is State.OFFERING_CALLBACK
    run(dialog, Dtmf("1"))
    actions = dialog.handle(CallbackRefused("withheld"))
    assert [describe(a) for a in actions] == [
        "# callback_refused", "Say callback_refused_withheld", "Say call_again_hours", "Say goodbye", "# outcome",
        "Hangup abandoned", "# SCHEDULING_CALLBACK -> ENDED"]
    hours = next(a for a in actions if isinstance(a, Say) and a.key == "call_again_hours")
    assert "du lundi au vendredi" in hours.text


def test_an_answered_caller_who_is_refused_a_callback_still_counts_as_resolved() -> None:
    dialog = make(CLOSED)
    run(dialog, heard("je veux refaire mon passeport", "passport"))
    run(dialog, Dtmf("2"))  # no SMS
    run(dialog, heard("blablabla", None))
    run(dialog, heard("euh truc", None))
    assert dialog.state is State.OFFERING_HELP
    run(dialog, Dtmf("1"))
    assert run(dialog, CallbackRefused("failed"))[-2] == "Hangup resolved"


@pytest.mark.parametrize("reason", ["number", "quota", "withheld", "failed"])
def test_every_refusal_is_said_in_french_and_english(reason: str) -> None:
    prompt = PROMPTS[f"callback_refused_{reason}"]
    assert prompt["fr"] and prompt["en"] and prompt["fr"] != prompt["en"]


def test_english_caller_hears_english() -> None:
    dialog = make(CLOSED)
    run(dialog, Dtmf("9"))
    to_help_offer(dialog)
    run(dialog, Dtmf("1"))
    says = [a for a in dialog.handle(CallbackRefused("number")) if isinstance(a, Say)]
    assert says[0].text == "Sorry, I cannot call you back on this number." and says[0].lang == "en"
    assert says[1].text.startswith("Please call us again when the city hall is open")


def test_a_refusal_outside_scheduling_is_illegal() -> None:
    from ivr.errors import DialogError

    dialog = make(OPEN)
    with pytest.raises(DialogError):
        dialog.handle(CallbackRefused("number"))
