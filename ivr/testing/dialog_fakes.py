"""A small hand-made knowledge view and helpers for tests of the dialog and of the shell that drives it."""

from __future__ import annotations

from datetime import datetime

from ivr.dialog.actions import (
    Action,
    CancelCallback,
    EmergencyTransfer,
    Hangup,
    Listen,
    Say,
    ScheduleCallback,
    SendSms,
    SetLanguage,
    Transfer,
)
from ivr.dialog.events import Heard
from ivr.dialog.hours import parse_slots
from ivr.dialog.kbview import IntentView, ServiceView, StaticKnowledge
from ivr.dialog.records import RECORD_TYPES, StateChanged
from ivr.nlu.model import IntentKind
from ivr.nlu.types import Candidate, Decision, MatchResult

_OFFICE = parse_slots(["08:30-12:00", "13:30-17:30"])
_SATURDAY = parse_slots(["09:00-12:00"])
_WEEK = {"mon": _OFFICE, "tue": _OFFICE, "wed": _OFFICE, "thu": _OFFICE, "fri": _OFFICE}


def _service(sid: str, fr: str, en: str, *, saturday: bool = True) -> ServiceView:
    hours = dict(_WEEK, sat=_SATURDAY) if saturday else dict(_WEEK)
    return ServiceView(sid, {"fr": fr, "en": en}, hours)


def _intent(iid: str, service: str, kind: str, fr: str = "", en: str = "", **kw: str) -> IntentView:
    return IntentView(iid, service, IntentKind(kind), {"fr": fr, "en": en}, offer=kw.get("offer", "none"),
                      link=kw.get("link"))


def sample_knowledge() -> StaticKnowledge:
    """Reception and civil registry open Mon-Fri 8:30-12/13:30-17:30 + Sat 9-12; elections closed Saturdays."""
    services = [
        _service("accueil", "accueil de la mairie", "city hall reception"),
        _service("etat_civil", "état civil", "the civil registry"),
        _service("proprete", "propreté", "waste services", saturday=False),
        _service("education", "éducation", "education"),
        _service("urbanisme", "urbanisme", "town planning", saturday=False),
        _service("elections", "élections", "elections", saturday=False),
        ServiceView("urgence", {"fr": "urgences", "en": "emergencies"}),
    ]
    dialog = [_intent(i, "accueil", "dialog") for i in
              ("yes", "no", "repeat", "thanks", "goodbye", "speak_english", "speak_french")]
    intents = [
        _intent("passport", "etat_civil", "answer", "Pour un passeport, prenez rendez-vous.",
                "For a passport, book an appointment.", offer="sms",
                link="https://www.villeneuve-sur-loire.example/passeport"),
        _intent("id_card", "etat_civil", "answer", "Pour une carte d'identité, prenez rendez-vous.",
                "For an ID card, book an appointment."),
        _intent("voter_registration", "elections", "answer", "Inscrivez-vous en ligne.", "Register online.",
                offer="transfer"),
        _intent("id_appointment_status", "etat_civil", "transfer", "Je vous passe l'état civil.",
                "Putting you through to the civil registry."),
        _intent("human_agent", "accueil", "transfer"),
        _intent("callback_request", "accueil", "callback"),
        _intent("emergency", "urgence", "emergency", "Raccrochez et appelez le 112.", "Hang up and call 112."),
        *dialog,
    ]
    return StaticKnowledge(intents, services)


def heard(text: str, intent: str | None, *, decision: Decision | None = None, score: float = 0.9,
          also: str | None = None, lang: str = "fr") -> Heard:
    """A ``Heard`` event: ``answer`` for an intent, ``abstain`` for None, ``clarify`` when ``also`` is given.

    With ``decision=Decision.CONFIRM``, ``also`` is the runner-up the dialog proposes after a "no".
    """
    if decision is None:
        decision = Decision.ABSTAIN if intent is None else Decision.CLARIFY if also else Decision.ANSWER
    cands = tuple(Candidate(i, s) for i, s in ((intent, score), (also, score - 0.02)) if i)
    chosen = intent if decision in (Decision.ANSWER, Decision.EMERGENCY, Decision.CONFIRM) else None
    return Heard(text, MatchResult(decision, chosen, score, lang, cands))


def describe(action: Action) -> str:
    """A compact one-line form of an action, for snapshot tests."""
    match action:
        case Say(key=key, lang=lang, interruptible=interruptible):
            return f"Say{'' if interruptible else '!'} {key}" + ("" if lang == "fr" else f" [{lang}]")
        case Listen():
            return "Listen"
        case Transfer(service=service):
            return f"Transfer {service}"
        case ScheduleCallback(service=service, not_before=nb):
            return f"ScheduleCallback {service} {_stamp(nb)}"
        case SendSms(link=link):
            return f"SendSms {link}"
        case SetLanguage(lang=lang):
            return f"SetLanguage {lang}"
        case EmergencyTransfer(number=number):
            return f"EmergencyTransfer {number}"
        case Hangup(outcome=outcome):
            return f"Hangup {outcome}"
        case CancelCallback(callback_id=callback_id):
            return f"CancelCallback {callback_id}"
        case StateChanged(source=source, target=target):
            return f"# {source} -> {target}"
    if isinstance(action, RECORD_TYPES):
        return f"# {action.KIND}"
    raise TypeError(action)


def _stamp(when: datetime) -> str:
    return when.strftime("%a %H:%M")
