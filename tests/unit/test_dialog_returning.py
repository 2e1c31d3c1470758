"""The caller who calls again: pending callback first (1 cancels, 2 keeps), or "is it about X again?"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ivr.config import DialogSettings
from ivr.dialog.actions import Say
from ivr.dialog.events import Dtmf, Event, NoInput
from ivr.dialog.hours import OpeningHours
from ivr.dialog.returning import ReturningDialog
from ivr.store.records import CallerMemory, PendingCallback
from ivr.testing.dialog_fakes import describe, heard, sample_knowledge

PARIS = ZoneInfo("Europe/Paris")
OPEN = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)  # Tuesday morning
TOMORROW_MORNING = datetime(2026, 12, 16, 8, 30, tzinfo=PARIS)
PENDING = CallerMemory(pending=PendingCallback(7, "etat_civil", TOMORROW_MORNING))
GREETING = ["# start", "Say greeting_open"]


def make(memory: CallerMemory | None) -> tuple[ReturningDialog, list[str], list[Say]]:
    kb = sample_knowledge()
    settings = DialogSettings()
    dialog = ReturningDialog(kb, OpeningHours.from_knowledge(kb, settings), settings)
    actions = dialog.start(OPEN, memory)
    return dialog, [describe(a) for a in actions], [a for a in actions if isinstance(a, Say)]


def run(dialog: ReturningDialog, event: Event) -> list[str]:
    return [describe(a) for a in dialog.handle(event)]


def test_a_pending_callback_is_said_right_after_the_greeting() -> None:
    dialog, start, says = make(PENDING)
    assert start == [*GREETING, "# NEW -> LISTENING", "# returning", "Say callback_pending",
                     "# LISTENING -> REVIEWING_CALLBACK", "Listen"]
    text = says[-1].text
    assert text.startswith("Vous avez demandé à être rappelé par le service état civil ; un agent vous rappellera")
    assert "demain" in text and "tapez 1" in text
    assert run(dialog, Dtmf("1")) == ["# callback_review", "CancelCallback 7", "Say callback_cancelled",
                                      "Say anything_else", "# REVIEWING_CALLBACK -> ANYTHING_ELSE", "Listen"]


def test_keeping_the_callback_by_key_voice_or_silence() -> None:
    kept = ["# callback_review", "Say callback_kept", "Say anything_else", "# REVIEWING_CALLBACK -> ANYTHING_ELSE",
            "Listen"]
    for event in (Dtmf("2"), heard("oui", "yes"), NoInput()):
        dialog, _, _ = make(PENDING)
        assert run(dialog, event) == kept, event
    dialog, _, _ = make(PENDING)
    assert "CancelCallback 7" in run(dialog, heard("je veux annuler le rappel", None))


def test_a_new_request_instead_is_handled_as_usual() -> None:
    dialog, _, _ = make(PENDING)
    out = run(dialog, heard("je veux refaire mon passeport", "passport"))
    assert out[0] == "# REVIEWING_CALLBACK -> LISTENING"
    assert "Say answer:passport" in out and "CancelCallback 7" not in " ".join(out)


def test_same_topic_within_48_hours_is_offered() -> None:
    dialog, start, says = make(CallerMemory(recent_intent="passport", recent_calls=("c1",)))
    assert start == [*GREETING, "# NEW -> LISTENING", "# returning", "Say returning_topic",
                     "# LISTENING -> CONFIRMING_INTENT", "Listen"]
    assert says[-1].text.startswith("C'est au sujet de votre passeport ?")
    yes = run(dialog, Dtmf("1"))
    assert "Say answer:passport" in yes
    dialog, _, _ = make(CallerMemory(recent_intent="passport"))
    assert run(dialog, heard("non", "no")) == ["# turn", "# confirm", "Say how_can_i_help",
                                               "# CONFIRMING_INTENT -> LISTENING", "Listen"]


def test_nothing_remembered_is_the_usual_greeting() -> None:
    usual = [*GREETING, "Say how_can_i_help", "Say language_offer [en]", "# NEW -> LISTENING", "Listen"]
    assert make(None)[1] == usual
    assert make(CallerMemory())[1] == usual
    assert make(CallerMemory(recent_intent="unknown_intent"))[1] == usual
    later = CallerMemory(pending=PendingCallback(1, "etat_civil", OPEN + timedelta(days=3)))
    assert "callback_pending" in make(later)[1][4]


def test_another_request_at_the_topic_question_is_that_request() -> None:
    dialog, _, _ = make(CallerMemory(recent_intent="passport"))
    out = run(dialog, heard("je voudrais une carte d'identité", "id_card"))
    assert out[0] == "# CONFIRMING_INTENT -> LISTENING" and "Say answer:id_card" in out
