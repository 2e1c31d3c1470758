"""Scenario tests: feed events to the dialog and snapshot the whole action sequence."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.config import DialogSettings
from ivr.dialog.actions import Action
from ivr.dialog.events import (
    CallbackScheduled,
    CallerHungUp,
    Dtmf,
    Event,
    NoInput,
    Now,
    QueueExited,
    SmsQueued,
    TransferCompleted,
    TransferFailed,
)
from ivr.dialog.hours import OpeningHours
from ivr.dialog.policy import Dialog
from ivr.nlu.types import Decision
from ivr.testing.dialog_fakes import describe, heard, sample_knowledge

PARIS = ZoneInfo("Europe/Paris")
CONFIRM = Decision.CONFIRM
OPEN = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)  # Tuesday morning
CLOSED = datetime(2026, 12, 15, 20, 0, tzinfo=PARIS)  # Tuesday evening
HOLIDAY = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)  # Christmas (a Friday)
SATURDAY = datetime(2026, 12, 19, 10, 0, tzinfo=PARIS)  # reception open, elections closed
LINK = "https://www.villeneuve-sur-loire.example/passeport"

START = ["# start", "Say greeting_open", "Say how_can_i_help", "Say language_offer [en]", "# NEW -> LISTENING",
         "Listen"]
EMERGENCY_END = ["# outcome", "Hangup emergency", "# EMERGENCY -> ENDED"]


def make(now: datetime = OPEN, **overrides: object) -> tuple[Dialog, list[Action]]:
    kb = sample_knowledge()
    settings = replace(DialogSettings(), **overrides)  # type: ignore[arg-type]
    dialog = Dialog(kb, OpeningHours.from_knowledge(kb, settings), settings)
    return dialog, dialog.start(now)


def run(dialog: Dialog, event: Event) -> list[str]:
    return [describe(a) for a in dialog.handle(event)]


Step = tuple[Event, list[str]]

SCENARIOS: dict[str, tuple[datetime, dict[str, object], list[Step]]] = {
    "answer then sms yes then no more": (OPEN, {}, [
        (heard("je veux refaire mon passeport", "passport"),
         ["# turn", "# decision", "Say answer:passport", "# answer", "Say sms_offer",
          "# LISTENING -> CONFIRMING_SMS", "Listen"]),
        (heard("oui", "yes"), ["# turn", "# confirm", f"SendSms {LINK}", "# CONFIRMING_SMS -> SENDING_SMS"]),
        (SmsQueued(), ["Say sms_sent", "Say anything_else", "# SENDING_SMS -> ANYTHING_ELSE", "Listen"]),
        (heard("non merci", "no"), ["# turn", "Say goodbye", "# outcome", "Hangup resolved",
                                    "# ANYTHING_ELSE -> ENDED"]),
    ]),
    "sms refused by key 2, thanks closes": (OPEN, {}, [
        (heard("passeport", "passport"), ["# turn", "# decision", "Say answer:passport", "# answer",
                                          "Say sms_offer", "# LISTENING -> CONFIRMING_SMS", "Listen"]),
        (Dtmf("2"), ["# dtmf", "# confirm", "Say anything_else", "# CONFIRMING_SMS -> ANYTHING_ELSE", "Listen"]),
        (heard("merci beaucoup", "thanks"), ["# turn", "Say goodbye", "# outcome", "Hangup resolved",
                                             "# ANYTHING_ELSE -> ENDED"]),
    ]),
    "clarify then 'le deuxième'": (OPEN, {}, [
        (heard("mes papiers", "passport", also="id_card"),
         ["# turn", "# clarify", "Say clarify", "# LISTENING -> CLARIFYING", "Listen"]),
        (heard("le deuxième", None), ["# turn", "# decision", "Say answer:id_card", "# answer",
                                      "Say anything_else", "# CLARIFYING -> ANYTHING_ELSE", "Listen"]),
    ]),
    "clarify then key 1": (OPEN, {}, [
        (heard("mes papiers", "passport", also="id_card"),
         ["# turn", "# clarify", "Say clarify", "# LISTENING -> CLARIFYING", "Listen"]),
        (Dtmf("1"), ["# dtmf", "# decision", "Say answer:passport", "# answer", "Say sms_offer",
                     "# CLARIFYING -> CONFIRMING_SMS", "Listen"]),
    ]),
    "clarify then matched again": (OPEN, {}, [
        (heard("mes papiers", "passport", also="id_card"),
         ["# turn", "# clarify", "Say clarify", "# LISTENING -> CLARIFYING", "Listen"]),
        (heard("la carte", "id_card", also="passport"),
         ["# turn", "# decision", "Say answer:id_card", "# answer", "Say anything_else",
          "# CLARIFYING -> ANYTHING_ELSE", "Listen"]),
    ]),
    "two no-matches, offer, 0, transfer": (OPEN, {}, [
        (heard("blablabla", None), ["# turn", "Say no_match_1", "Listen"]),
        (heard("euh truc", None), ["# turn", "Say no_match_2", "Say offer_help", "# LISTENING -> OFFERING_HELP",
                                   "Listen"]),
        (Dtmf("0"), ["# dtmf", "Say transfer", "Transfer accueil",
                     "# OFFERING_HELP -> TRANSFERRING"]),
        (TransferCompleted("accueil"), ["# transfer_completed", "# outcome", "# TRANSFERRING -> ENDED"]),
    ]),
    "two no-matches when closed: callback for the next opening": (CLOSED, {}, [
        (heard("blablabla", None), ["# turn", "Say no_match_1", "Listen"]),
        (heard("euh truc", None), ["# turn", "Say no_match_2", "Say offer_help_closed",
                                   "# LISTENING -> OFFERING_HELP", "Listen"]),
        (Dtmf("1"), ["# dtmf", "ScheduleCallback accueil Wed 08:30",
                     "# OFFERING_HELP -> SCHEDULING_CALLBACK"]),
    ]),
    "no input three times: goodbye, abandoned": (OPEN, {}, [
        (NoInput(), ["# no_input", "Say no_input_1", "Say menu", "Say language_offer [en]", "Listen"]),
        (NoInput(), ["# no_input", "Say no_input_2", "Say offer_help", "# LISTENING -> OFFERING_HELP", "Listen"]),
        (NoInput(), ["# no_input", "Say goodbye", "# outcome", "Hangup abandoned", "# OFFERING_HELP -> ENDED"]),
    ]),
    "dtmf 9 switches to English and back": (OPEN, {}, [
        (Dtmf("9"), ["# dtmf", "SetLanguage en", "# language", "Say greeting_open [en]", "Say how_can_i_help [en]",
                     "Say language_offer", "Listen"]),
        (heard("passport please", "passport", lang="en"),
         ["# turn", "# decision", "Say answer:passport [en]", "# answer", "Say sms_offer [en]",
          "# LISTENING -> CONFIRMING_SMS", "Listen"]),
        (Dtmf("9"), ["# dtmf", "SetLanguage fr", "# language", "Say answer:passport", "Say sms_offer", "Listen"]),
    ]),
    "speak_english by voice, then repeat": (OPEN, {}, [
        (heard("do you speak english", "speak_english"),
         ["# turn", "SetLanguage en", "# language", "Say greeting_open [en]", "Say how_can_i_help [en]",
          "Say language_offer", "Listen"]),
        (heard("what", "repeat", lang="en"),
         ["# turn", "Say greeting_open [en]", "Say how_can_i_help [en]", "Say language_offer", "Listen"]),
        (Dtmf("*"), ["# dtmf", "Say greeting_open [en]", "Say how_can_i_help [en]", "Say language_offer",
                     "Listen"]),
    ]),
    "transfer intent when closed: callback at next opening": (CLOSED, {}, [
        (heard("où en est mon passeport", "id_appointment_status"),
         ["# turn", "# decision", "# service_closed", "Say service_closed", "# LISTENING -> OFFERING_CALLBACK",
          "Listen"]),
        (heard("oui", "yes"), ["# turn", "# confirm", "ScheduleCallback etat_civil Wed 08:30",
                               "# OFFERING_CALLBACK -> SCHEDULING_CALLBACK"]),
        (CallbackScheduled(datetime(2026, 12, 16, 8, 30, tzinfo=PARIS)),
         ["Say callback_confirmed", "Say goodbye", "# outcome", "Hangup callback",
          "# SCHEDULING_CALLBACK -> ENDED"]),
    ]),
    "transfer intent when open": (OPEN, {}, [
        (heard("où en est mon passeport", "id_appointment_status"),
         ["# turn", "# decision", "Say answer:id_appointment_status", "Transfer etat_civil",
          "# LISTENING -> TRANSFERRING"]),
    ]),
    "callback request when open": (OPEN, {}, [
        (heard("rappelez-moi", "callback_request"),
         ["# turn", "# decision", "ScheduleCallback accueil Tue 10:00",
          "# LISTENING -> SCHEDULING_CALLBACK"]),
        (CallbackScheduled(OPEN), ["Say callback_confirmed_asap", "Say goodbye", "# outcome", "Hangup callback",
                                   "# SCHEDULING_CALLBACK -> ENDED"]),
    ]),
    "queue: callback key -> callback now": (OPEN, {}, [
        (heard("je veux parler à quelqu'un", "human_agent"),
         ["# turn", "# decision", "Say transfer", "Transfer accueil", "# LISTENING -> TRANSFERRING"]),
        (Dtmf("1"), ["# dtmf"]),
        (Now(datetime(2026, 12, 15, 10, 4, tzinfo=PARIS)), []),
        (QueueExited("accueil", "callback_key"),
         ["# queue_exit", "ScheduleCallback accueil Tue 10:04", "# TRANSFERRING -> SCHEDULING_CALLBACK"]),
    ]),
    "queue: timeout after closing -> callback tomorrow": (datetime(2026, 12, 15, 17, 20, tzinfo=PARIS), {}, [
        (Dtmf("0"), ["# dtmf", "Say transfer", "Transfer accueil", "# LISTENING -> TRANSFERRING"]),
        (Now(datetime(2026, 12, 15, 17, 35, tzinfo=PARIS)), []),
        (QueueExited("accueil", "timeout"),
         ["# queue_exit", "ScheduleCallback accueil Wed 08:30", "# TRANSFERRING -> SCHEDULING_CALLBACK"]),
    ]),
    "queue: no agents -> offer callback; transfer failure -> sorry": (OPEN, {}, [
        (Dtmf("1"), ["# dtmf", "Say transfer", "Transfer etat_civil", "# LISTENING -> TRANSFERRING"]),
        (QueueExited("etat_civil", "no_agents"),
         ["# queue_exit", "Say no_agents", "# TRANSFERRING -> OFFERING_CALLBACK", "Listen"]),
        (heard("non", "no"), ["# turn", "# confirm", "Say anything_else", "# OFFERING_CALLBACK -> ANYTHING_ELSE",
                              "Listen"]),
        (heard("je veux l'état civil", "id_appointment_status"),
         ["# turn", "# decision", "Say answer:id_appointment_status", "Transfer etat_civil",
          "# ANYTHING_ELSE -> TRANSFERRING"]),
        (TransferFailed("etat_civil"),
         ["# transfer_failed", "Say sorry", "Say no_agents", "# TRANSFERRING -> OFFERING_CALLBACK", "Listen"]),
        (CallerHungUp(), ["# caller_hung_up", "# outcome", "# OFFERING_CALLBACK -> ENDED"]),
    ]),
    "keypad: invalid key, menu, # menu": (OPEN, {}, [
        (Dtmf("7"), ["# dtmf", "Say invalid_key", "Say menu", "Listen"]),
        (Dtmf("#"), ["# dtmf", "Say menu", "Listen"]),
    ]),
    "answer with transfer offer on Saturday: service closed": (SATURDAY, {}, [
        (heard("m'inscrire sur les listes", "voter_registration"),
         ["# turn", "# decision", "Say answer:voter_registration", "# answer", "Say transfer_offer",
          "# LISTENING -> CONFIRMING_TRANSFER", "Listen"]),
        (heard("oui", "yes"), ["# turn", "# confirm", "# service_closed", "Say service_closed",
                               "# CONFIRMING_TRANSFER -> OFFERING_CALLBACK", "Listen"]),
        (Dtmf("2"), ["# dtmf", "# confirm", "Say anything_else", "# OFFERING_CALLBACK -> ANYTHING_ELSE",
                     "Listen"]),
        (NoInput(), ["# no_input", "Say anything_else", "Listen"]),
        (NoInput(), ["# no_input", "Say goodbye", "# outcome", "Hangup resolved", "# ANYTHING_ELSE -> ENDED"]),
    ]),
    "yes/no not understood twice counts as no": (OPEN, {}, [
        (heard("passeport", "passport"), ["# turn", "# decision", "Say answer:passport", "# answer",
                                          "Say sms_offer", "# LISTENING -> CONFIRMING_SMS", "Listen"]),
        (heard("hein", None), ["# turn", "Say yes_no_reprompt", "Listen"]),
        (heard("bof", None), ["# turn", "# confirm", "Say anything_else", "# CONFIRMING_SMS -> ANYTHING_ELSE",
                              "Listen"]),
        (heard("ah oui", None), ["# turn", "Say listening", "# ANYTHING_ELSE -> LISTENING", "Listen"]),
    ]),
    "confirm band: yes by voice answers": (OPEN, {}, [
        (heard("des papiers pour partir à l'étranger", "passport", decision=CONFIRM, also="id_card"),
         ["# turn", "# confirm_intent", "Say confirm_intent", "# LISTENING -> CONFIRMING_INTENT", "Listen"]),
        (heard("oui c'est ça", "yes"),
         ["# turn", "# confirm", "# decision", "Say answer:passport", "# answer", "Say sms_offer",
          "# CONFIRMING_INTENT -> CONFIRMING_SMS", "Listen"]),
    ]),
    "confirm band: no, then the runner-up, key 1": (OPEN, {}, [
        (heard("des papiers pour partir à l'étranger", "passport", decision=CONFIRM, also="id_card"),
         ["# turn", "# confirm_intent", "Say confirm_intent", "# LISTENING -> CONFIRMING_INTENT", "Listen"]),
        (heard("non", "no"), ["# turn", "# confirm", "# confirm_intent", "Say confirm_intent", "Listen"]),
        (Dtmf("1"), ["# dtmf", "# confirm", "# decision", "Say answer:id_card", "# answer", "Say anything_else",
                     "# CONFIRMING_INTENT -> ANYTHING_ELSE", "Listen"]),
    ]),
    "confirm band: two noes go to a person": (OPEN, {}, [
        (heard("des papiers", "passport", decision=CONFIRM, also="id_card"),
         ["# turn", "# confirm_intent", "Say confirm_intent", "# LISTENING -> CONFIRMING_INTENT", "Listen"]),
        (Dtmf("2"), ["# dtmf", "# confirm", "# confirm_intent", "Say confirm_intent", "Listen"]),
        (heard("non plus", "no"), ["# turn", "# confirm", "Say transfer", "Transfer accueil",
                                   "# CONFIRMING_INTENT -> TRANSFERRING"]),
    ]),
    "confirm band when closed: a person means a callback offer": (CLOSED, {}, [
        (heard("des papiers", "passport", decision=CONFIRM),
         ["# turn", "# confirm_intent", "Say confirm_intent", "# LISTENING -> CONFIRMING_INTENT", "Listen"]),
        (heard("hein", None), ["# turn", "Say yes_no_reprompt", "Listen"]),
        (heard("bof", None), ["# turn", "# service_closed", "Say service_closed",
                              "# CONFIRMING_INTENT -> OFFERING_CALLBACK", "Listen"]),
    ]),
    "confirm band: the caller names another intent": (OPEN, {}, [
        (heard("des papiers", "passport", decision=CONFIRM, also="id_card"),
         ["# turn", "# confirm_intent", "Say confirm_intent", "# LISTENING -> CONFIRMING_INTENT", "Listen"]),
        (heard("non, je veux savoir où en est ma demande", "id_appointment_status"),
         ["# turn", "# decision", "Say answer:id_appointment_status", "Transfer etat_civil",
          "# CONFIRMING_INTENT -> TRANSFERRING"]),
    ]),
    "confirm band: silence replays the question, in English": (OPEN, {}, [
        (Dtmf("9"), ["# dtmf", "SetLanguage en", "# language", "Say greeting_open [en]", "Say how_can_i_help [en]",
                     "Say language_offer", "Listen"]),
        (heard("papers for travelling", "passport", decision=CONFIRM, lang="en"),
         ["# turn", "# confirm_intent", "Say confirm_intent [en]", "# LISTENING -> CONFIRMING_INTENT", "Listen"]),
        (NoInput(), ["# no_input", "Say confirm_intent [en]", "Listen"]),
        (heard("yes", "yes", lang="en"),
         ["# turn", "# confirm", "# decision", "Say answer:passport [en]", "# answer", "Say sms_offer [en]",
          "# CONFIRMING_INTENT -> CONFIRMING_SMS", "Listen"]),
    ]),
    "confirm band: asking for a person is never confirmed": (OPEN, {}, [
        (heard("passez-moi un conseiller", "human_agent", decision=CONFIRM, also="passport"),
         ["# turn", "Say transfer", "Transfer accueil", "# LISTENING -> TRANSFERRING"]),
    ]),
    "emergency with a transfer number": (OPEN, {"emergency_transfer_to": "112"}, [
        (heard("au feu il y a le feu", "emergency", decision=Decision.EMERGENCY),
         ["# turn", "# emergency", "Say! emergency_fire", "Say! emergency_transfer", "EmergencyTransfer 112",
          "# LISTENING -> EMERGENCY"]),
        (Dtmf("5"), ["# dtmf"]),
        (TransferFailed("112"), ["# transfer_failed", "Say! emergency_fire", *EMERGENCY_END]),
    ]),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str) -> None:
    now, overrides, steps = SCENARIOS[name]
    dialog, first = make(now, **overrides)
    assert [describe(a) for a in first][2:] == START[2:]
    for index, (event, expected) in enumerate(steps):
        assert run(dialog, event) == expected, f"step {index}: {event}"
