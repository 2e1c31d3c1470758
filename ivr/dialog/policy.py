"""The conversation as a pure state machine: events in, actions out, no I/O and no asyncio.

The shell calls :meth:`Dialog.start` once, then :meth:`Dialog.handle` for every event, and executes the
returned actions in order. Transitions are logged at DEBUG as ``STATE -Event-> STATE`` and recorded; an
event that makes no sense in the current state raises :class:`~ivr.errors.DialogError`.
"""

from __future__ import annotations

from datetime import datetime

from ivr.dialog import records as rec
from ivr.dialog.actions import (
    Action,
    SendSms,
    SetLanguage,
)
from ivr.dialog.core import DialogCore
from ivr.dialog.events import (
    CallbackRefused,
    CallbackScheduled,
    CallerHungUp,
    Dtmf,
    Event,
    Heard,
    NoInput,
    Now,
    QueueExited,
    RecognitionLate,
    SmsFailed,
    SmsQueued,
    TransferCompleted,
    TransferFailed,
)
from ivr.dialog.kbview import IntentView
from ivr.dialog.labels import bare_label
from ivr.dialog.prompts import render
from ivr.dialog.rendering import ANSWER_PREFIX
from ivr.dialog.state import LISTENING_STATES, State
from ivr.dialog.words import asks_for_human, ordinal_choice, yes_or_no
from ivr.enums import Outcome
from ivr.errors import DialogError
from ivr.nlu.types import Decision, MatchResult

_YES_NO_STATES = frozenset({State.CONFIRMING_SMS, State.CONFIRMING_TRANSFER, State.OFFERING_CALLBACK})


class Dialog(DialogCore):
    """One call's conversation policy: ``Dialog(kb, hours, settings, lang="fr", *, clock=None)``."""

    # ----------------------------------------------------------------- entry points
    def start(self, now: datetime) -> list[Action]:
        """Greet (aware of open / closed / holiday), ask the open question, listen."""
        if self.state is not State.NEW:
            raise DialogError(f"start() in state {self.state}")
        self._out = []
        self._now = self._started = self._hours.local(now)
        status = self._hours.day_status(now)
        self._emit(rec.DialogStarted(str(status), self.lang))
        reception = self._settings.reception_service
        # answer -> "you may speak" under 6 s (bench/greeting_lengths.py): hours are said when they matter
        # (a closed service, a transfer); the language offer plays after the invitation, over barge-in
        self._say(f"greeting_{status}", hours=reception)
        self._say("how_can_i_help")
        self._say("language_offer")
        self._listen(State.LISTENING, "start")
        return self._out

    def handle(self, event: Event) -> list[Action]:
        """Advance on one event; return the actions to execute, in order."""
        self._out = []
        if self._clock is not None:
            self._now = self._hours.local(self._clock.now())
        name = type(event).__name__
        if self.state is State.NEW or self.state is State.ENDED:
            raise DialogError(f"{name} in state {self.state}")
        match event:
            case Now(when=when):
                self._now = self._hours.local(when)
            case CallerHungUp():
                self._emit(rec.CallerLeft(str(self.state)))
                self._end(self._outcome(), name)
            case Heard():
                self._require(LISTENING_STATES, name)
                self._on_heard(event, name)
            case NoInput():
                self._require(LISTENING_STATES, name)
                self._on_no_input(name)
            case RecognitionLate():
                self._require(LISTENING_STATES, name)
                self._on_late(name)
            case Dtmf(digit=digit):
                self._emit(rec.DtmfPressed(digit, str(self.state)))
                if self.state in LISTENING_STATES:
                    self._on_dtmf(digit, name)
            case QueueExited(service=service, reason=reason):
                self._require({State.TRANSFERRING}, name)
                self._on_queue_exit(service, reason, name)
            case TransferCompleted(service=service):
                self._require({State.TRANSFERRING, State.EMERGENCY}, name)
                self._emit(rec.HandoffCompleted(service))
                self._end(Outcome.EMERGENCY if self.state is State.EMERGENCY else Outcome.TRANSFERRED, name)
            case TransferFailed(service=service):
                self._require({State.TRANSFERRING, State.EMERGENCY}, name)
                self._on_transfer_failed(service, name)
            case CallbackScheduled(when=when):
                self._require({State.SCHEDULING_CALLBACK}, name)
                self._on_callback_scheduled(when, name)
            case CallbackRefused(reason=reason):
                self._require({State.SCHEDULING_CALLBACK}, name)
                self._on_callback_refused(reason, name)
            case SmsQueued() | SmsFailed():
                self._require({State.SENDING_SMS}, name)
                self._say("sms_sent" if isinstance(event, SmsQueued) else "sms_failed")
                self._anything_else(name)
        return self._out

    def fail(self) -> list[Action]:
        """The shell hit a technical problem: apologise and hang up (outcome ``failed``)."""
        self._out = []
        if self.state is not State.ENDED:
            self._say("sorry")
            self._say("goodbye")
            self._end(Outcome.FAILED, "fail", hangup=True)
        return self._out

    # ----------------------------------------------------------------- caller input
    def _on_heard(self, event: Heard, name: str) -> None:
        m = event.match
        self._attempts += 1
        self._no_input = 0
        self._heard.append(event.text)
        self._emit(rec.Turn(str(self.state), event.text, m.lang, m.decision, m.intent, m.score,
                            tuple(c.intent for c in m.candidates[:3])))
        view = self._kb.intent(m.intent) if m.intent else None
        if m.decision is Decision.EMERGENCY or (view is not None and view.kind == "emergency"):
            self._emergency(event.text, name)
            return
        clear = view if m.decision is Decision.ANSWER else None
        if clear is not None and clear.kind == "dialog" and clear.id in ("repeat", "goodbye", "speak_english",
                                                                         "speak_french"):
            self._on_global_dialog(clear.id, name)
        elif self.state is State.CLARIFYING:
            self._on_clarify_answer(event, name)
        elif self.state is State.CONFIRMING_INTENT:
            self._on_intent_confirmation(event, clear, name)
        elif self.state in _YES_NO_STATES:
            self._on_yes_no_answer(event, clear, name)
        elif self.state is State.OFFERING_HELP:
            self._on_help_answer(event, clear, name)
        else:
            self._on_request(event, clear, name)

    def _on_global_dialog(self, intent: str, name: str) -> None:
        if intent == "repeat":
            self._replay(name)
        elif intent == "goodbye":
            self._goodbye(name)
        else:
            self._switch_language("en" if intent == "speak_english" else "fr", name)

    def _switch_language(self, lang: str, name: str) -> None:
        if lang != self.lang:
            self.lang = lang
            self._emit(SetLanguage(lang))
            self._emit(rec.LanguageChosen(lang))
        self._replay(name)

    def _on_request(self, event: Heard, clear: IntentView | None, name: str) -> None:
        m = event.match
        if clear is not None:
            self._act_on(clear, name)
        elif (
            m.decision in (Decision.CLARIFY, Decision.CONFIRM)
            and asks_for_human(event.text)
            and any(c.intent == "human_agent" for c in m.candidates[:2])
        ):
            # "je veux parler à un conseiller" is never worth a clarification question
            self._route(self._settings.reception_service, name)
        elif m.decision is Decision.CLARIFY and len(m.candidates) >= 2:
            self._clarify(m, name)
        elif m.decision is Decision.CONFIRM and m.intent is not None and self._kb.intent(m.intent) is not None:
            self._ask_confirmation(m, name)
        elif asks_for_human(event.text):
            self._route(self._settings.reception_service, name)
        elif self.state is State.ANYTHING_ELSE and (yes := yes_or_no(event.text)) is not None:
            self._on_small_talk("yes" if yes else "no", name)
        else:
            self._no_match_turn(name)

    def _act_on(self, view: IntentView, name: str) -> None:
        self._no_match = 0
        self._misses = 0
        if view.kind == "dialog":
            self._on_small_talk(view.id, name)
            return
        self._intent = view
        self._emit(rec.DecisionMade(view.id, view.kind, view.service))
        if view.kind == "emergency":
            self._emergency(self._heard[-1] if self._heard else "", name)
        elif view.kind == "transfer":
            service = self._settings.reception_service if view.id == "human_agent" else view.service
            self._route(service, name, announce=view)
        elif view.kind == "callback":
            self._schedule_callback(view.service, name)
        else:
            self._answer(view, name)

    def _on_small_talk(self, intent: str, name: str) -> None:
        closing = self.state is State.ANYTHING_ELSE
        if intent == "no" or (intent == "thanks" and closing):
            self._goodbye(name)
        elif intent == "thanks":
            self._say("you_are_welcome")
            self._anything_else(name)
        elif intent == "yes":
            self._say("listening")
            self._listen(State.LISTENING, name)
        else:
            self._no_match_turn(name)

    def _answer(self, view: IntentView, name: str) -> None:
        self._say(ANSWER_PREFIX + view.id)
        self._answered = view.id
        self._emit(rec.Answered(view.id))
        if view.offer == "sms" and view.link:
            self._say("sms_offer")
            self._listen(State.CONFIRMING_SMS, name)
        elif view.offer == "transfer":
            self._service = view.service
            self._say("transfer_offer", service=view.service)
            self._listen(State.CONFIRMING_TRANSFER, name)
        else:
            self._anything_else(name)

    def _clarify(self, m: MatchResult, name: str) -> None:
        a, b = m.candidates[0].intent, m.candidates[1].intent
        self._choices = (a, b)
        self._emit(rec.Clarifying(a, b))
        self._say("clarify", a=a, b=b)
        self._listen(State.CLARIFYING, name)

    def _on_clarify_answer(self, event: Heard, name: str) -> None:
        m = event.match
        choice: str | None = None
        if m.intent in self._choices and m.decision in (Decision.ANSWER, Decision.CLARIFY):
            choice = m.intent
        elif (n := ordinal_choice(event.text)) is not None:
            choice = self._choices[n - 1]
        elif m.decision is Decision.CLARIFY:
            choice = next((c.intent for c in m.candidates if c.intent in self._choices), None)
        view = self._kb.intent(choice) if choice else None
        if view is not None:
            self._act_on(view, name)
        elif m.intent in ("yes", "no"):
            self._no_match_turn(name)
        elif m.decision is Decision.ANSWER and m.intent is not None:
            self._on_request(event, self._kb.intent(m.intent), name)
        else:
            self._no_match_turn(name, replay=True)

    def _ask_confirmation(self, m: MatchResult, name: str) -> None:
        """Propose the likely intent; a "no" proposes the runner-up, a second "no" hands over to a person."""
        assert m.intent is not None
        others = [c.intent for c in m.candidates if c.intent != m.intent]
        runner_up = [i for i in others[:1] if (v := self._kb.intent(i)) is not None and v.kind != "dialog"]
        self._pending = (m.intent, *runner_up)
        self._misses = 0
        self._propose(name)

    def _propose(self, name: str) -> None:
        intent = self._pending[0]
        self._emit(rec.ConfirmingIntent(intent))
        self._say("confirm_intent", intent=intent)
        self._listen(State.CONFIRMING_INTENT, name)

    def _on_intent_confirmation(self, event: Heard, clear: IntentView | None, name: str) -> None:
        answer = self._yes_no(event, clear)
        named = clear if clear is not None and clear.kind != "dialog" else None
        if named is not None and named.id != self._pending[0]:
            self._act_on(named, name)  # "non, c'est pour la cantine": the caller said what they want
        elif answer is not None or named is not None:
            self._intent_confirmed(answer is not False, name)
        else:
            self._misses += 1
            if self._misses < self._settings.max_retries:
                self._say("yes_no_reprompt")
                self._listen(self.state, name)
            else:
                self._route(self._settings.reception_service, name)

    def _intent_confirmed(self, yes: bool, name: str) -> None:
        self._emit(rec.Confirmed(str(self.state), yes, self._pending[0]))
        view = self._kb.intent(self._pending[0]) if yes else None
        self._pending = self._pending[1:]
        if view is not None:
            self._act_on(view, name)
        elif self._pending:
            self._misses = 0
            self._propose(name)
        else:
            self._route(self._settings.reception_service, name)

    def _no_match_turn(self, name: str, *, replay: bool = False) -> None:
        self._no_match += 1
        if self._no_match < self._settings.max_retries:
            if replay:
                self._replay(name)
            else:
                self._say("no_match_1")
                self._listen(State.LISTENING, name)
        else:
            self._say("no_match_2")
            self._offer_help(name)

    def _yes_no(self, event: Heard, clear: IntentView | None) -> bool | None:
        if clear is not None and clear.id in ("yes", "no"):
            return clear.id == "yes"
        return yes_or_no(event.text)

    def _on_yes_no_answer(self, event: Heard, clear: IntentView | None, name: str) -> None:
        answer = self._yes_no(event, clear)
        if answer is None and clear is not None and clear.kind != "dialog":
            self._act_on(clear, name)
            return
        if answer is None:
            self._misses += 1
            if self._misses < self._settings.max_retries:
                self._say("yes_no_reprompt")
                self._listen(self.state, name)
                return
            answer = False
        self._confirm(answer, name)

    def _confirm(self, yes: bool, name: str) -> None:
        self._emit(rec.Confirmed(str(self.state), yes))
        if not yes:
            self._anything_else(name)
        elif self.state is State.CONFIRMING_SMS and self._intent is not None:
            view = self._intent
            text = render("sms_body", self.lang, city=self._settings.city_name,
                          topic=bare_label(view.label(self.lang)), link=view.link or "")
            self._emit(SendSms(text, view.link))
            self._goto(State.SENDING_SMS, name)
        elif self.state is State.CONFIRMING_TRANSFER:
            self._route(self._service, name)
        else:
            self._schedule_callback(self._service, name)

    def _on_help_answer(self, event: Heard, clear: IntentView | None, name: str) -> None:
        reception = self._settings.reception_service
        wants = self._yes_no(event, clear)
        if (clear is not None and clear.id == "human_agent") or asks_for_human(event.text):
            self._route(reception, name)
        elif clear is not None and clear.id == "callback_request":
            self._schedule_callback(reception, name)
        elif wants is True:
            if self._hours.is_open(reception, self._now):
                self._route(reception, name)
            else:
                self._schedule_callback(reception, name)
        elif wants is False:
            self._goodbye(name)
        elif clear is not None:
            self._act_on(clear, name)
        else:
            self._misses += 1
            if self._misses < self._settings.max_retries:
                self._replay(name)
            elif self._hours.is_open(reception, self._now):
                self._route(reception, name)
            else:
                self._goodbye(name)

    def _on_no_input(self, name: str) -> None:
        self._no_input += 1
        self._emit(rec.NoInputCounted(str(self.state), self._no_input))
        first = self._no_input < self._settings.max_retries
        if self.state is State.OFFERING_HELP:
            self._goodbye(name, Outcome.ABANDONED)
        elif self.state is State.LISTENING and first:
            self._say("no_input_1")
            self._say("menu")
            self._say("language_offer")
            self._listen(State.LISTENING, name)
        elif first:
            self._replay(name)
        elif self.state is State.ANYTHING_ELSE:
            self._goodbye(name)
        elif self.state in _YES_NO_STATES:
            self._confirm(False, name)
        else:
            self._say("no_input_2")
            self._offer_help(name)

    def _on_late(self, name: str) -> None:
        """Recognition missed its deadline: one short re-prompt, then a person (or a callback if closed)."""
        self._no_match += 1
        if self._no_match < self._settings.max_retries:
            self._say("asr_late")
            self._listen(self.state, name)
        else:
            self._route(self._settings.reception_service, name)

    def _on_dtmf(self, digit: str, name: str) -> None:
        self._attempts += 1
        self._no_input = 0
        reception = self._settings.reception_service
        if self.state is State.CLARIFYING and digit in ("1", "2"):
            view = self._kb.intent(self._choices[int(digit) - 1])
            if view is not None:
                self._act_on(view, name)
                return
        if self.state is State.CONFIRMING_INTENT and digit in ("1", "2"):
            self._intent_confirmed(digit == "1", name)
        elif self.state in _YES_NO_STATES and digit in ("1", "2"):
            self._confirm(digit == "1", name)
        elif self.state is State.OFFERING_HELP and digit == "1":
            self._schedule_callback(reception, name)
        elif digit == "0":
            self._route(reception, name)
        elif digit == "9":
            self._switch_language("fr" if self.lang == "en" else "en", name)
        elif digit == "*":
            self._replay(name)
        elif digit.isdigit() and 1 <= int(digit) <= len(self._settings.menu_services):
            self._intent = None
            self._route(self._settings.menu_services[int(digit) - 1], name)
        else:
            if digit != "#":
                self._say("invalid_key")
            self._say("menu")
            self._listen(State.LISTENING, name)
