"""Dialog rules that cut across scenarios: emergencies, illegal transitions, texts, summaries, logging."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.clock import VirtualClock
from ivr.config import DialogSettings
from ivr.dialog.actions import Hangup, Say, ScheduleCallback, SendSms, Transfer
from ivr.dialog.events import (
    CallbackScheduled,
    Dtmf,
    Event,
    NoInput,
    Now,
    QueueExited,
    SmsQueued,
    TransferCompleted,
)
from ivr.dialog.hours import OpeningHours
from ivr.dialog.policy import Dialog
from ivr.dialog.state import State
from ivr.errors import DialogError
from ivr.nlu.types import Decision
from ivr.testing.dialog_fakes import describe, heard, sample_knowledge

PARIS = ZoneInfo("Europe/Paris")
OPEN = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)
CLOSED = datetime(2026, 12, 15, 20, 0, tzinfo=PARIS)
HOLIDAY = datetime(2026, 7, 14, 11, 0, tzinfo=PARIS)


def make(now: datetime = OPEN, settings: DialogSettings | None = None) -> tuple[Dialog, list[str]]:
    kb = sample_knowledge()
    settings = settings or DialogSettings()
    dialog = Dialog(kb, OpeningHours.from_knowledge(kb, settings), settings)
    return dialog, [a.text for a in dialog.start(now) if isinstance(a, Say)]


def test_greetings_know_the_time() -> None:
    _, opened = make(OPEN)
    _, closed = make(CLOSED)
    _, holiday = make(HOLIDAY)
    assert opened[0] == "Bonjour, mairie de Villeneuve-sur-Loire."
    # short greetings (< 6 s to the invitation, bench/greeting_lengths.py): hours are said when they matter
    assert closed[0] == "Bonjour, mairie de Villeneuve-sur-Loire, fermée en ce moment." and "8 h 30" not in closed[0]
    assert "jour férié" in holiday[0]
    assert opened[1] == "Quelle est votre question ?" and opened[2] == "For English, press 9."


REACH: dict[State, list[Event]] = {
    State.LISTENING: [],
    State.CLARIFYING: [heard("mes papiers", "passport", also="id_card")],
    State.CONFIRMING_SMS: [heard("passeport", "passport")],
    State.CONFIRMING_TRANSFER: [heard("listes électorales", "voter_registration")],
    State.ANYTHING_ELSE: [heard("carte d'identité", "id_card")],
    State.OFFERING_HELP: [heard("bla", None), heard("bla bla", None)],
    State.OFFERING_CALLBACK: [heard("suivi de mon dossier", "id_appointment_status")],
}


@pytest.mark.parametrize("state", list(REACH))
@pytest.mark.parametrize(("text", "case", "decision"), [
    ("mon père ne respire plus", "medical", Decision.EMERGENCY),
    ("il y a le feu dans l'immeuble", "fire", Decision.EMERGENCY),
    ("mon voisin me frappe", "violence", Decision.ANSWER),
    ("c'est une urgence", "112", Decision.EMERGENCY),
])
def test_emergency_from_any_state_is_never_queued(state: State, text: str, case: str, decision: Decision) -> None:
    dialog, _ = make(CLOSED)
    for event in REACH[state]:
        dialog.handle(event)
    assert dialog.state is state
    actions = dialog.handle(heard(text, "emergency", decision=decision))
    key = f"emergency_{case}"
    assert [describe(a) for a in actions][-6:] == [
        f"Say! {key}", f"Say! {key}", f"# {state} -> EMERGENCY", "# outcome", "Hangup emergency",
        "# EMERGENCY -> ENDED",
    ]
    assert not any(isinstance(a, Transfer | ScheduleCallback) for a in actions)
    assert not any(isinstance(a, Say) and a.key.startswith("answer:") for a in actions)
    spoken = [a.text for a in actions if isinstance(a, Say)]
    assert all("112" in t for t in spoken)
    assert dialog.state is State.ENDED


@pytest.mark.parametrize(("events", "bad"), [
    ([], QueueExited("accueil", "timeout")),
    ([], CallbackScheduled(OPEN)),
    ([], SmsQueued()),
    ([], TransferCompleted("accueil")),
    ([Dtmf("0")], heard("passeport", "passport")),
    ([Dtmf("0")], NoInput()),
    ([heard("rappelez-moi", "callback_request")], heard("allo", None)),
    ([heard("non", "no")], Dtmf("1")),
    ([heard("non", "no")], Now(OPEN)),
])
def test_illegal_transitions_raise(events: list[Event], bad: Event) -> None:
    dialog, _ = make(OPEN)
    for event in events:
        dialog.handle(event)
    before = dialog.state
    with pytest.raises(DialogError):
        dialog.handle(bad)
    assert dialog.state is before


def test_events_before_start_and_double_start_raise() -> None:
    kb = sample_knowledge()
    dialog = Dialog(kb, OpeningHours.from_knowledge(kb, DialogSettings()), DialogSettings())
    with pytest.raises(DialogError):
        dialog.handle(NoInput())
    dialog.start(OPEN)
    with pytest.raises(DialogError):
        dialog.start(OPEN)


def test_clarification_and_closed_service_texts() -> None:
    dialog, _ = make(CLOSED)
    clarify = [a for a in dialog.handle(heard("mes papiers", "passport", also="id_card")) if isinstance(a, Say)]
    assert clarify[0].text.startswith("C'est pour le passeport ou pour la carte d'identité ?")
    closed = [a for a in dialog.handle(heard("suivi", "id_appointment_status")) if isinstance(a, Say)]
    assert "Le service état civil est fermé en ce moment ; il rouvre demain à 8 h 30." in closed[0].text
    dialog.handle(Dtmf("1"))
    done = [a.text for a in dialog.handle(CallbackScheduled(datetime(2026, 12, 16, 8, 30, tzinfo=PARIS)))
            if isinstance(a, Say)]
    assert "vous rappellera demain à 8 h 30" in done[0]


def test_sms_text_holds_the_link_and_english_answers() -> None:
    dialog, _ = make(OPEN)
    dialog.handle(Dtmf("9"))
    said = [a for a in dialog.handle(heard("passport", "passport", lang="en")) if isinstance(a, Say)]
    assert said[0].text == "For a passport, book an appointment." and said[0].lang == "en"
    sms = [a for a in dialog.handle(Dtmf("1")) if isinstance(a, SendSms)]
    assert sms and sms[0].link and sms[0].link in sms[0].text and sms[0].text.startswith("Villeneuve")


def test_summary_of_a_transfer() -> None:
    clock = VirtualClock(OPEN)
    kb = sample_knowledge()
    dialog = Dialog(kb, OpeningHours.from_knowledge(kb, DialogSettings()), DialogSettings(), clock=clock)
    dialog.start(clock.now())
    clock.advance(20)
    dialog.handle(heard("bonjour euh", None))
    clock.advance(15)
    actions = dialog.handle(heard("c'est pour mon dossier de passeport", "id_appointment_status"))
    transfer = next(a for a in actions if isinstance(a, Transfer))
    s = transfer.summary
    assert (s.intent, s.service, s.lang, s.attempts, s.waited_s) == ("id_appointment_status", "etat_civil", "fr",
                                                                     2, 35.0)
    assert s.request_text == "bonjour euh / c'est pour mon dossier de passeport"
    assert s.to_callerid_name() == "IVR:suivi dune demande de titre|fr"
    assert s.answer_given is None and "suivi d'une demande de titre" in s.to_text()


def test_transitions_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="ivr.dialog"):
        dialog, _ = make(OPEN)
        dialog.handle(heard("mes papiers", "passport", also="id_card"))
    lines = [r.getMessage() for r in caplog.records]
    assert "NEW -start-> LISTENING" in lines and "LISTENING -Heard-> CLARIFYING" in lines
    assert all(r.levelno == logging.DEBUG for r in caplog.records)
    assert not any("papiers" in line for line in lines)


def test_fail_apologises_and_hangs_up() -> None:
    dialog, _ = make(OPEN)
    actions = dialog.fail()
    assert [describe(a) for a in actions] == ["Say sorry", "Say goodbye", "# outcome", "Hangup failed",
                                              "# LISTENING -> ENDED"]
    assert isinstance(actions[3], Hangup) and dialog.fail() == []
