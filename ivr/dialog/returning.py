"""The caller who calls again: their pending callback first, or "is it about your passport again?".

A caller waiting for a callback hears it right after the greeting (key 1 cancels it, key 2 or "oui" keeps
it; saying anything else is taken as a new request). A caller who called about something within 48 hours is
asked whether it is about that again: yes goes straight to that intent, no to the usual open question. The
memory comes from the store (``CallerMemoryRepository``), looked up by a keyed hash of the number.
"""

from __future__ import annotations

from datetime import datetime

from ivr.dialog import records as rec
from ivr.dialog.actions import Action, CancelCallback, Say
from ivr.dialog.events import Dtmf, Event, Heard, NoInput
from ivr.dialog.policy import Dialog
from ivr.dialog.state import State
from ivr.dialog.words import yes_or_no
from ivr.store.records import CallerMemory

_CANCEL_WORDS = ("annul", "cancel", "plus besoin", "no longer")


class ReturningDialog(Dialog):
    """A :class:`Dialog` that can open with what it remembers of the caller."""

    _callback: int = 0
    """The pending callback being reviewed."""
    _returning_topic: bool = False
    """CONFIRMING_INTENT was entered for "is it about X again?" (a no then asks the open question)."""

    def start(self, now: datetime, memory: CallerMemory | None = None) -> list[Action]:
        """Greet; then the pending callback, the recent topic, or the usual open question."""
        out = super().start(now)
        if memory is None or memory.empty:
            return out
        topic = self._kb.intent(memory.recent_intent) if memory.recent_intent else None
        if memory.pending is None and (topic is None or topic.kind == "dialog"):
            return out
        # keep the greeting, replace the open question by what we remember
        cut = next(i for i, a in enumerate(out) if isinstance(a, Say) and a.key == "how_can_i_help")
        moves: list[Action] = [a for a in out[cut:] if isinstance(a, rec.StateChanged)]
        self._out, self._turn = out[:cut] + moves, []
        if memory.pending is not None:
            self._callback = memory.pending.id
            self._emit(rec.Returning(callback=memory.pending.id, service=memory.pending.service))
            self._say("callback_pending", service=memory.pending.service, when=memory.pending.not_before)
            self._listen(State.REVIEWING_CALLBACK, "returning")
        else:
            assert topic is not None
            self._pending, self._misses, self._returning_topic = (topic.id,), 0, True
            self._emit(rec.Returning(intent=topic.id))
            self._say("returning_topic", topic=topic.id)
            self._listen(State.CONFIRMING_INTENT, "returning")
        return self._out

    def handle(self, event: Event) -> list[Action]:
        """The callback review here; everything else as usual."""
        if (self._returning_topic and self.state is State.CONFIRMING_INTENT and isinstance(event, Heard)
                and self._yes_no(event, None) is None and event.match.intent != self._pending[0]):
            # "is it about your passport again?" answered with another request: that request, at once
            self._returning_topic, self._pending = False, ()
            self._out = []
            self._goto(State.LISTENING, type(event).__name__)
            return self._out + super().handle(event)
        if self.state is State.REVIEWING_CALLBACK and isinstance(event, Dtmf | Heard | NoInput):
            name = type(event).__name__
            self._out = []
            keep = self._review(event)
            if keep is not None:
                self._settle(keep, name)
                return self._out
            self._goto(State.LISTENING, name)  # a new request: handled as if asked after "how can I help"
            moved = self._out
            return moved + super().handle(event)
        return super().handle(event)

    def _review(self, event: Dtmf | Heard | NoInput) -> bool | None:
        """True keeps, False cancels, None: not about the callback."""
        if isinstance(event, NoInput):
            return True
        if isinstance(event, Dtmf):
            return {"1": False, "2": True}.get(event.digit)
        low = event.text.lower()
        if any(w in low for w in _CANCEL_WORDS):
            return False
        return True if yes_or_no(event.text) else None

    def _settle(self, keep: bool, name: str) -> None:
        callback = self._callback
        self._emit(rec.CallbackReviewed(callback, keep))
        if keep:
            self._say("callback_kept")
        else:
            self._emit(CancelCallback(callback))
            self._say("callback_cancelled")
        self._anything_else(name)

    def _intent_confirmed(self, yes: bool, name: str) -> None:
        """A "no" to "is it about X again?" is the open question, not a hand-over."""
        if self._returning_topic:
            self._returning_topic = False
            if not yes:
                self._emit(rec.Confirmed(str(self.state), False, self._pending[0]))
                self._pending = ()
                self._say("how_can_i_help")
                self._listen(State.LISTENING, name)
                return
        super()._intent_confirmed(yes, name)
