"""5. Decide: the conversation policy as a pure state machine (events in, actions out), prompts, hours.

Typical use by the call shell::

    view = from_kb(load_knowledge(settings.paths.knowledge_dir))
    hours = OpeningHours.from_knowledge(view, settings.dialog)
    dialog = Dialog(view, hours, settings.dialog, lang="fr", clock=clock)
    actions = dialog.start(clock.now())
    ...
    actions = dialog.handle(Heard(text, match))
"""

from ivr.dialog.hours import DayStatus, OpeningHours
from ivr.dialog.kbview import IntentView, KnowledgeView, ServiceView, StaticKnowledge, from_kb
from ivr.dialog.policy import Dialog
from ivr.dialog.prompts import all_prompt_texts, render
from ivr.dialog.state import State
from ivr.dialog.summary import Summary

__all__ = [
    "DayStatus",
    "Dialog",
    "IntentView",
    "KnowledgeView",
    "OpeningHours",
    "ServiceView",
    "State",
    "StaticKnowledge",
    "Summary",
    "all_prompt_texts",
    "from_kb",
    "render",
]
