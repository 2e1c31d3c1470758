"""Issue 11 item 13: a hang-up in every dialog state ends in a defined outcome (pure dialog, no event loop).

Each state the dialog can be in while a call is live is reached by a real path of events, then the caller
hangs up: the dialog records where they left, decides exactly one outcome, and ends. A state added later
without a path here fails ``test_every_live_state_is_covered``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.config import DialogSettings
from ivr.dialog import records as rec
from ivr.dialog.events import CallerHungUp, Dtmf, Event
from ivr.dialog.hours import OpeningHours
from ivr.dialog.policy import Dialog
from ivr.dialog.returning import ReturningDialog
from ivr.dialog.state import State
from ivr.enums import Outcome
from ivr.nlu.types import Decision
from ivr.store.records import CallerMemory, PendingCallback
from ivr.testing.dialog_fakes import heard, sample_knowledge

PARIS = ZoneInfo("Europe/Paris")
OPEN = datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)  # Tuesday morning
CLOSED = datetime(2026, 12, 15, 20, 0, tzinfo=PARIS)
PENDING = CallerMemory(pending=PendingCallback(7, "etat_civil", datetime(2026, 12, 16, 8, 30, tzinfo=PARIS)))


def _dialog(now: datetime = OPEN, memory: CallerMemory | None = None, **overrides: object) -> Dialog:
    """The dialog a live call uses (the returning-caller one), started at ``now``."""
    kb = sample_knowledge()
    settings = DialogSettings(**overrides)  # type: ignore[arg-type]
    dialog = ReturningDialog(kb, OpeningHours.from_knowledge(kb, settings), settings)
    dialog.start(now, memory)
    return dialog


def _returning() -> Dialog:
    return _dialog(OPEN, PENDING)


def _after(*events: Event, now: datetime = OPEN, **overrides: object) -> Callable[[], Dialog]:
    def build() -> Dialog:
        dialog = _dialog(now, **overrides)
        for event in events:
            dialog.handle(event)
        return dialog

    return build


PASSPORT = heard("je veux refaire mon passeport", "passport")
MISS = heard("blablabla", None)

PATHS: dict[State, tuple[Callable[[], Dialog], set[Outcome]]] = {
    State.LISTENING: (_after(), {Outcome.ABANDONED}),
    State.CLARIFYING: (_after(heard("mes papiers", "passport", also="id_card")), {Outcome.ABANDONED}),
    State.CONFIRMING_INTENT: (_after(heard("des papiers", "passport", decision=Decision.CONFIRM, also="id_card")),
                              {Outcome.ABANDONED}),
    State.CONFIRMING_SMS: (_after(PASSPORT), {Outcome.RESOLVED}),  # the answer was given
    State.SENDING_SMS: (_after(PASSPORT, Dtmf("1")), {Outcome.RESOLVED}),
    State.CONFIRMING_TRANSFER: (_after(heard("m'inscrire sur les listes", "voter_registration")),
                                {Outcome.RESOLVED}),
    State.OFFERING_HELP: (_after(MISS, MISS), {Outcome.ABANDONED}),
    State.OFFERING_CALLBACK: (_after(Dtmf("0"), now=CLOSED), {Outcome.ABANDONED}),
    State.SCHEDULING_CALLBACK: (_after(Dtmf("0"), Dtmf("1"), now=CLOSED), {Outcome.CALLBACK}),
    State.ANYTHING_ELSE: (_after(PASSPORT, Dtmf("2")), {Outcome.RESOLVED}),  # no SMS, thanks
    State.REVIEWING_CALLBACK: (_returning, {Outcome.ABANDONED}),
    State.TRANSFERRING: (_after(Dtmf("0")), {Outcome.TRANSFERRED}),
    State.EMERGENCY: (_after(heard("au feu", "emergency", decision=Decision.EMERGENCY),
                             emergency_transfer_to="112"), {Outcome.EMERGENCY}),
}


def test_every_live_state_is_covered() -> None:
    assert set(PATHS) == set(State) - {State.NEW, State.ENDED}


@pytest.mark.parametrize("state", list(PATHS), ids=str)
def test_a_hang_up_in_every_state_ends_in_one_defined_outcome(state: State) -> None:
    build, expected = PATHS[state]
    dialog = build()
    assert dialog.state is state  # the path really reached the state
    actions = dialog.handle(CallerHungUp())
    assert rec.CallerLeft(str(state)) in actions
    outcomes = [a.outcome for a in actions if isinstance(a, rec.OutcomeDecided)]
    assert len(outcomes) == 1 and outcomes[0] in expected, outcomes
    assert dialog.state is State.ENDED
