"""The web chat's policy: the phone's matcher and abstention, the chat variant of the answers.

Pure: ``(knowledge base, match result) -> ChatReply``; the route only runs the matcher and serialises.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ivr.dialog.labels import intent_label
from ivr.nlu.model import Intent, IntentKind, KnowledgeBase
from ivr.nlu.types import Decision, MatchResult

MAX_CHAT_TEXT = 500

EMERGENCY_TEXT = {
    "fr": "Si c'est une urgence, appelez le 112 (ou le 15 SAMU, le 17 police, le 18 pompiers). "
          "N'attendez pas de réponse ici.",
    "en": "If this is an emergency, call 112 (or 15 ambulance, 17 police, 18 fire brigade) now. "
          "Do not wait for an answer here.",
}
ABSTAIN_TEXT = {
    "fr": "Je ne suis pas sûr de bien comprendre. Reformulez votre question, ou laissez votre numéro : "
          "un agent de la mairie vous rappellera.",
    "en": "I am not sure I understand. Please rephrase, or leave your number and a city hall agent will "
          "call you back.",
}
CLARIFY_TEXT = {"fr": "Votre question concerne-t-elle {a} ou {b} ?", "en": "Is your question about {a} or {b}?"}
CONFIRM_TEXT = {"fr": "Si votre question concerne {a} :", "en": "If your question is about {a}:"}
"""The chat cannot ask "is that right?" and wait as the phone does: it answers, saying what it understood."""
HUMAN_TEXT = {
    "fr": "Un agent peut vous rappeler : laissez votre nom et votre numéro ci-dessous.",
    "en": "An agent can call you back: leave your name and number below.",
}
DIALOG_TEXT = {
    "fr": "Je vous écoute : posez votre question sur les services de la mairie.",
    "en": "I am listening: ask your question about the city hall's services.",
}


@dataclass(frozen=True, slots=True)
class ChatReply:
    """What ``POST /api/chat`` answers."""

    decision: str
    intent: str | None
    answer: str
    link: str | None = None
    offer_callback: bool = False
    service: str | None = None
    """The service a callback request would go to."""
    choices: tuple[str, ...] = ()
    """For ``clarify``: the two intents to choose between."""


def chat_reply(kb: KnowledgeBase, result: MatchResult, reception: str) -> ChatReply:
    """Turn the matcher's verdict into the chat's reply (emergencies first, never a FAQ for them)."""
    lang = result.lang if result.lang in ("fr", "en") else "fr"
    intent = kb.intents.get(result.intent) if result.intent else None
    if result.decision is Decision.EMERGENCY or (intent is not None and intent.kind is IntentKind.EMERGENCY):
        return ChatReply(Decision.EMERGENCY.value, result.intent, EMERGENCY_TEXT[lang])
    if result.decision is Decision.CLARIFY and len(result.candidates) >= 2:
        a, b = (c.intent for c in result.candidates[:2])
        text = CLARIFY_TEXT[lang].format(a=intent_label(a, lang), b=intent_label(b, lang))
        return ChatReply(Decision.CLARIFY.value, None, text, choices=(a, b))
    if result.decision not in (Decision.ANSWER, Decision.CONFIRM) or intent is None:
        return ChatReply(Decision.ABSTAIN.value, None, ABSTAIN_TEXT[lang], offer_callback=True, service=reception)
    reply = _answer(intent, lang)
    if result.decision is Decision.CONFIRM and intent.kind is not IntentKind.DIALOG:
        hedge = CONFIRM_TEXT[lang].format(a=intent_label(intent.id, lang))
        return replace(reply, decision=Decision.CONFIRM.value, answer=f"{hedge} {reply.answer}")
    return reply


def _answer(intent: Intent, lang: str) -> ChatReply:
    answer = intent.answers.get(lang) or intent.answers["fr"]
    if intent.kind is IntentKind.DIALOG:
        return ChatReply(Decision.ANSWER.value, intent.id, answer.chat or DIALOG_TEXT[lang])
    text = answer.chat or answer.voice
    if intent.kind in (IntentKind.TRANSFER, IntentKind.CALLBACK):
        # A chat cannot be transferred: offer a callback from the service instead.
        text = f"{text} {HUMAN_TEXT[lang]}".strip()
        return ChatReply(Decision.ANSWER.value, intent.id, text, intent.follow_up.link, True, intent.service)
    offer = intent.follow_up.offer == "transfer"
    return ChatReply(Decision.ANSWER.value, intent.id, text, intent.follow_up.link, offer, intent.service)
