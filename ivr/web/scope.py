"""What an agent may see and send: their own calls only; supervisors and admins see every call.

"Their own" is decided from what is stored, never from the browser: a call the agent answered (the
``agent_answered`` event AMI's ``AgentConnect`` puts in the call's stream), or a call of one of the
agent's queues that is still going or ended less than an hour ago (it rings the agent before anyone
answers; the hour covers the after-call work). A call outside that is answered as unknown (404), so
call ids cannot be probed. SMS from the console are built from templates only: an agent cannot make the
city's sender say anything to anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ivr.call.events import AgentAnswered
from ivr.dialog.labels import intent_label
from ivr.nlu.model import KnowledgeBase
from ivr.store.records import CallDetail
from ivr.web.auth import WebUser, role_allows

AFTER_CALL = timedelta(hours=1)

SMS_TEMPLATES: dict[str, dict[str, str]] = {
    "link": {"fr": "Mairie de {city} : {label} {link}", "en": "{city} city hall: {label} {link}"},
    "callback": {"fr": "Mairie de {city} : un agent va vous rappeler.",
                 "en": "{city} city hall: an agent will call you back."},
}
"""The only SMS an agent can send; ``link`` needs an intent of the knowledge base with a link."""


def may_see(user: WebUser, queues: Sequence[str], detail: CallDetail, now: datetime) -> bool:
    """Tell whether ``user`` may read this call (transcript, file, live follow) or text its caller."""
    if role_allows(user.role, "supervisor"):
        return True
    if any(e.kind == AgentAnswered.KIND and e.data.get("agent") == user.name for e in detail.events):
        return True
    call = detail.call
    if call.service not in queues:
        return False
    return call.ended_at is None or now - call.ended_at < AFTER_CALL


class UnknownTemplate(ValueError):
    """No such SMS template, or the intent has no link to send."""


def sms_text(template: str, kb: KnowledgeBase, intent: str | None, lang: str, city: str) -> str:
    """The SMS ``template`` filled from the knowledge base (raises :class:`UnknownTemplate`)."""
    texts = SMS_TEMPLATES.get(template)
    if texts is None:
        raise UnknownTemplate(f"no SMS template {template!r}")
    lang = lang if lang in texts else "fr"
    if template != "link":
        return texts[lang].format(city=city)
    found = kb.intents.get(intent or "")
    if found is None or not found.follow_up.link:
        raise UnknownTemplate("this answer has no link to send")
    return texts[lang].format(city=city, label=intent_label(found.id, lang), link=found.follow_up.link)
