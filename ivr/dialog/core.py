"""The dialog's plumbing and hand-overs: state, prompts, transfers, callbacks, emergencies.

:class:`~ivr.dialog.policy.Dialog` adds the handling of the caller's words and keys on top.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta

from ivr.clock import Clock
from ivr.config import DialogSettings
from ivr.dialog import records as rec
from ivr.dialog.actions import (
    Action,
    EmergencyTransfer,
    Hangup,
    Listen,
    ScheduleCallback,
    Transfer,
)
from ivr.dialog.hours import OpeningHours
from ivr.dialog.kbview import IntentView, KnowledgeView
from ivr.dialog.labels import bare_label
from ivr.dialog.rendering import ANSWER_PREFIX, PromptRef, Speaker
from ivr.dialog.state import TRANSITIONS, State
from ivr.dialog.summary import Summary
from ivr.dialog.words import emergency_case
from ivr.enums import Outcome
from ivr.errors import DialogError

log = logging.getLogger("ivr.dialog")

_ASAP = timedelta(minutes=5)


class DialogCore:
    """State, output buffer and the moves that hand the caller over (no caller-input parsing here)."""

    def __init__(
        self,
        kb: KnowledgeView,
        hours: OpeningHours,
        settings: DialogSettings,
        lang: str = "fr",
        *,
        clock: Clock | None = None,
    ) -> None:
        self._kb = kb
        self._hours = hours
        self._settings = settings
        self._speaker = Speaker(kb, hours, settings)
        self._clock = clock
        self.lang = lang
        self.state = State.NEW
        self._now = datetime.min
        self._started = datetime.min
        self._out: list[Action] = []
        self._turn: list[PromptRef] = []
        self._last: list[PromptRef] = []
        self._heard: deque[str] = deque(maxlen=3)
        self._attempts = 0
        self._no_match = 0
        self._no_input = 0
        self._misses = 0
        self._intent: IntentView | None = None
        self._choices: tuple[str, str] = ("", "")
        self._pending: tuple[str, ...] = ()
        """Intents still to propose in CONFIRMING_INTENT, the one being asked about first."""
        self._service = settings.reception_service
        self._answered: str | None = None
        self._emergency_key = "emergency_112"
        self._unstaffed: set[str] = set()
        """Services whose queue had no agent (or could not be reached) on this call: not offered again."""

    # ----------------------------------------------------------------- plumbing
    def _emit(self, action: Action) -> None:
        self._out.append(action)

    def _require(self, states: frozenset[State] | set[State], name: str) -> None:
        if self.state not in states:
            raise DialogError(f"{name} is not allowed in state {self.state}")

    def _goto(self, new: State, event: str) -> None:
        old = self.state
        if new not in TRANSITIONS[old]:
            raise DialogError(f"illegal transition {old} -{event}-> {new}")
        if new is not old:
            log.debug("%s -%s-> %s", old, event, new)
            self._emit(rec.StateChanged(str(old), event, str(new)))
        self.state = new

    def _say(self, key: str, **values: object) -> None:
        ref = PromptRef(key, values)
        self._turn.append(ref)
        self._emit(self._speaker.say(ref, self.lang, self._now))

    def _listen(self, state: State, event: str) -> None:
        self._last, self._turn = self._turn, []
        self._goto(state, event)
        self._emit(Listen(self._settings.listen_timeout_s))

    def _replay(self, event: str) -> None:
        refs = self._last or [PromptRef("how_can_i_help")]
        self._turn = []
        for ref in refs:
            self._turn.append(ref)
            self._emit(self._speaker.say(ref, self.lang, self._now))
        self._listen(self.state, event)

    def _outcome(self) -> Outcome:
        if self.state is State.TRANSFERRING:
            return Outcome.TRANSFERRED
        if self.state is State.EMERGENCY:
            return Outcome.EMERGENCY
        if self.state is State.SCHEDULING_CALLBACK:
            return Outcome.CALLBACK
        return Outcome.RESOLVED if self._answered else Outcome.ABANDONED

    def _end(self, outcome: Outcome, event: str, *, hangup: bool = False) -> None:
        self._emit(rec.OutcomeDecided(outcome))
        if hangup:
            self._emit(Hangup(outcome))
        self._turn = []
        self._goto(State.ENDED, event)

    def _goodbye(self, event: str, outcome: Outcome | None = None) -> None:
        self._say("goodbye")
        self._end(outcome or self._outcome(), event, hangup=True)

    def summary(self, service: str) -> Summary:
        """What the agent would see if the call were handed over now."""
        intent = self._intent.id if self._intent is not None else None
        if intent is not None:
            label = bare_label(self._speaker.label(intent, "fr"))
        else:
            label = self._kb.service_name(service, "fr")
        return Summary(
            request_text=" / ".join(self._heard),
            intent=intent,
            intent_label=label,
            service=service,
            answer_given=self._answered,
            lang=self.lang,
            waited_s=max(0.0, (self._now - self._started).total_seconds()),
            attempts=self._attempts,
        )

    def _anything_else(self, name: str) -> None:
        self._misses = 0
        self._say("anything_else")
        self._listen(State.ANYTHING_ELSE, name)

    def _offer_help(self, name: str) -> None:
        reception = self._settings.reception_service
        reopens = self._hours.next_opening(reception, self._now)
        if self._hours.is_open(reception, self._now) or reopens is None:
            self._say("offer_help")
        else:
            self._say("offer_help_closed", when=reopens)
        self._listen(State.OFFERING_HELP, name)

    # ----------------------------------------------------------------- hand-overs
    def _route(self, service: str, name: str, announce: IntentView | None = None) -> None:
        """Transfer to ``service`` if open, else offer a callback for its next opening."""
        self._service = service
        if self._hours.is_open(service, self._now):
            if announce is not None and announce.answer(self.lang):
                self._say(ANSWER_PREFIX + announce.id)
            else:
                self._say("transfer", service=service)
            summary = self.summary(service)
            self._emit(Transfer(service, summary))
            self._turn = []
            self._goto(State.TRANSFERRING, name)
            return
        reopens = self._hours.next_opening(service, self._now)
        if reopens is None:
            self._say("service_unavailable", service=service)
            self._anything_else(name)
            return
        self._emit(rec.ServiceClosed(service, reopens))
        self._say("service_closed", service=service, when=reopens)
        self._listen(State.OFFERING_CALLBACK, name)

    def _schedule_callback(self, service: str, name: str) -> None:
        self._service = service
        if self._hours.is_open(service, self._now):
            not_before = self._now
        else:
            not_before = self._hours.next_opening(service, self._now) or self._now
        summary = self.summary(service)
        self._emit(ScheduleCallback(service, summary, not_before))
        self._turn = []
        self._goto(State.SCHEDULING_CALLBACK, name)

    def _on_callback_scheduled(self, when: datetime, name: str) -> None:
        if self._hours.local(when) - self._now <= _ASAP:
            self._say("callback_confirmed_asap", service=self._service)
        else:
            self._say("callback_confirmed", service=self._service, when=when)
        self._goodbye(name, Outcome.CALLBACK)

    def _on_callback_refused(self, reason: str, name: str) -> None:
        """No callback for this caller (premium or foreign number, caps, withheld ID): say why, then a way on.

        Reception's queue when it is open and had agents on this call; otherwise when to call again (the next
        opening, or the opening hours when reception is open but unstaffed), then goodbye. Never silence, and
        never the error path: a refusal is a decision, not a fault.
        """
        reception = self._settings.reception_service
        staffed = self._hours.is_open(reception, self._now) and reception not in self._unstaffed
        self._emit(rec.CallbackDeclined(reason, "reception" if staffed else "call_again"))
        self._say(f"callback_refused_{reason}")
        if staffed:
            self._route(reception, name)
            return
        reopens = self._hours.next_opening(reception, self._now)
        if reopens is not None and not self._hours.is_open(reception, self._now):
            self._say("call_again_at", when=reopens)
        else:
            self._say("call_again_hours", hours=reception)
        self._goodbye(name, Outcome.RESOLVED if self._answered else Outcome.ABANDONED)

    def _on_queue_exit(self, service: str, reason: str, name: str) -> None:
        self._emit(rec.QueueExit(service, reason))
        self._service = service
        if reason == "no_agents":
            self._unstaffed.add(service)
            self._say("no_agents")
            self._listen(State.OFFERING_CALLBACK, name)
        else:
            self._schedule_callback(service, name)

    def _on_transfer_failed(self, service: str, name: str) -> None:
        self._emit(rec.HandoffFailed(service))
        self._unstaffed.add(service)
        if self.state is State.EMERGENCY:
            self._say(self._emergency_key)
            self._end(Outcome.EMERGENCY, name, hangup=True)
            return
        self._say("sorry")
        self._say("no_agents")
        self._listen(State.OFFERING_CALLBACK, name)

    def _emergency(self, text: str, name: str) -> None:
        case = emergency_case(text)
        self._emergency_key = f"emergency_{case}"
        self._emit(rec.EmergencyDetected(case))
        self._say(self._emergency_key)
        number = self._settings.emergency_transfer_to
        if number:
            self._say("emergency_transfer")
            self._emit(EmergencyTransfer(number))
            self._turn = []
            self._goto(State.EMERGENCY, name)
            return
        self._say(self._emergency_key)
        self._goto(State.EMERGENCY, name)
        self._end(Outcome.EMERGENCY, name, hangup=True)
