"""Every sentence the bot says on its own (not knowledge-base answers), in French and English.

``render(key, lang, **vars)`` fills a template; ``all_prompt_texts(lang)`` lists the fixed texts and the fixed
fragments of templates so the TTS cache can render them ahead of time.
"""

from __future__ import annotations

import string

from ivr.errors import DialogError

_CALL_OR_KEY_FR = "Dites oui ou tapez 1 ; sinon, dites non ou tapez 2."
_CALL_OR_KEY_EN = "Say yes or press 1; otherwise, say no or press 2."

PROMPTS: dict[str, dict[str, str]] = {
    # greetings: measured in the Pico voice by bench/greeting_lengths.py, each < 6 s with how_can_i_help
    "greeting_open": {
        "fr": "Bonjour, mairie de {city}.",
        "en": "Hello, {city} city hall.",
    },
    "greeting_closed": {
        "fr": "Bonjour, mairie de {city}, fermée en ce moment.",
        "en": "Hello, {city} city hall, closed right now.",
    },
    "greeting_holiday": {
        "fr": "Bonjour, mairie de {city}, fermée ce jour férié.",
        "en": "Hello, {city} city hall, closed today.",
    },
    "language_offer": {"fr": "Pour le français, tapez 9.", "en": "For English, press 9."},
    "how_can_i_help": {"fr": "Quelle est votre question ?", "en": "Your question?"},
    "callback_pending": {
        "fr": "Vous avez demandé à être rappelé par le service {service} ; un agent vous rappellera {when}. "
              "Pour annuler ce rappel, tapez 1 ; pour le garder, tapez 2.",
        "en": "You asked to be called back by {service}; an agent will call you back {when}. "
              "To cancel this callback, press 1; to keep it, press 2.",
    },
    "callback_cancelled": {
        "fr": "C'est annulé : vous ne serez pas rappelé.",
        "en": "Done: the callback is cancelled.",
    },
    "callback_kept": {"fr": "C'est noté, votre rappel est maintenu.", "en": "Fine, your callback is kept."},
    "returning_topic": {
        "fr": "C'est au sujet de votre {topic} ? " + _CALL_OR_KEY_FR,
        "en": "Is it about your {topic} again? " + _CALL_OR_KEY_EN,
    },
    "listening": {"fr": "Je vous écoute.", "en": "I'm listening."},
    "anything_else": {
        "fr": "Puis-je vous aider pour autre chose ?",
        "en": "Is there anything else I can help you with?",
    },
    "you_are_welcome": {"fr": "Je vous en prie.", "en": "You're welcome."},
    "goodbye": {
        "fr": "Merci de votre appel. Au revoir et bonne journée.",
        "en": "Thank you for calling. Goodbye.",
    },
    "no_input_1": {
        "fr": "Je ne vous entends pas. Dites-moi en quelques mots ce que vous souhaitez, ou utilisez le "
              "clavier de votre téléphone.",
        "en": "I can't hear you. Tell me in a few words what you need, or use your phone's keypad.",
    },
    "no_input_2": {"fr": "Je ne vous entends toujours pas.", "en": "I still can't hear you."},
    "no_match_1": {
        "fr": "Pardon, je n'ai pas bien compris. Pouvez-vous reformuler en quelques mots ?",
        "en": "Sorry, I didn't quite understand. Could you say it again in a few words?",
    },
    "no_match_2": {
        "fr": "Désolé, je n'arrive pas à comprendre votre demande.",
        "en": "Sorry, I can't understand your request.",
    },
    "asr_late": {
        "fr": "Pardon, je n'ai pas saisi. Pouvez-vous répéter ? Pour parler à une personne, tapez 0.",
        "en": "Sorry, I didn't catch that. Could you say it again? To speak to a person, press 0.",
    },
    "clarify": {
        "fr": "C'est pour {a} ou pour {b} ? Pour le premier, tapez 1 ; pour le second, tapez 2.",
        "en": "Is it about {a} or {b}? Press 1 for the first, 2 for the second.",
    },
    "confirm_intent": {
        "fr": "Vous appelez pour {intent}, c'est bien ça ? Dites oui ou tapez 1 ; sinon, dites non ou tapez 2.",
        "en": "You are calling about {intent}, is that right? Say yes or press 1; otherwise, say no or press 2.",
    },
    "offer_help": {
        "fr": "Pour parler à un conseiller, dites « conseiller » ou tapez 0. Pour être rappelé, tapez 1.",
        "en": "To speak to an adviser, say 'adviser' or press 0. To be called back, press 1.",
    },
    "offer_help_closed": {
        "fr": "Nos conseillers sont absents ; la mairie rouvre {when}. Pour être rappelé, dites oui ou tapez 1.",
        "en": "Our advisers are away; the city hall reopens {when}. To be called back, say yes or press 1.",
    },
    "menu_reception": {"fr": "Pour l'accueil, tapez 0.", "en": "For reception, press 0."},
    "menu_item": {"fr": "Pour le service {service}, tapez {digit}.", "en": "For {service}, press {digit}."},
    "menu_repeat": {"fr": "Pour réécouter, tapez étoile.", "en": "To hear this again, press star."},
    "invalid_key": {
        "fr": "Cette touche ne correspond à aucun choix.",
        "en": "That key is not one of the choices.",
    },
    # Live assist transcribes the conversation with the agent: the caller is told before it starts
    # (GDPR art. 13: information at collection), every time, in the same sentence as the transfer.
    "transfer": {
        "fr": "Je vous mets en relation avec le service {service}. Pour aider l'agent, votre échange sera "
              "transcrit automatiquement, sans enregistrement de la voix. Merci de patienter.",
        "en": "I am putting you through to {service}. To help the agent, your conversation will be "
              "transcribed automatically; your voice is not recorded. Please hold.",
    },
    "service_closed": {
        "fr": "Le service {service} est fermé en ce moment ; il rouvre {when}. Voulez-vous être rappelé ? "
              + _CALL_OR_KEY_FR,
        "en": "{service} is closed right now; it reopens {when}. Would you like to be called back? "
              + _CALL_OR_KEY_EN,
    },
    "service_unavailable": {
        "fr": "Désolé, le service {service} ne peut pas être joint par téléphone pour le moment.",
        "en": "Sorry, {service} cannot be reached by phone at the moment.",
    },
    "no_agents": {
        "fr": "Tous nos conseillers sont occupés. Voulez-vous être rappelé ? " + _CALL_OR_KEY_FR,
        "en": "All our advisers are busy. Would you like to be called back? " + _CALL_OR_KEY_EN,
    },
    "callback_confirmed": {
        "fr": "C'est noté : le service {service} vous rappellera {when}, au numéro d'où vous appelez.",
        "en": "Done: {service} will call you back {when}, on the number you are calling from.",
    },
    "callback_confirmed_asap": {
        "fr": "C'est noté : le service {service} vous rappellera dès que possible, au numéro d'où vous appelez.",
        "en": "Done: {service} will call you back as soon as possible, on the number you are calling from.",
    },
    # a callback the city may not make (issue 11): why, then reception's queue or when to call again
    "callback_refused_number": {
        "fr": "Désolé, je ne peux pas vous rappeler à ce numéro.",
        "en": "Sorry, I cannot call you back on this number.",
    },
    "callback_refused_quota": {
        "fr": "Désolé, je ne peux pas programmer un autre rappel vers ce numéro pour le moment.",
        "en": "Sorry, I cannot book another callback to this number for now.",
    },
    "callback_refused_withheld": {
        "fr": "Votre numéro est masqué : je ne peux pas vous rappeler.",
        "en": "Your number is withheld, so I cannot call you back.",
    },
    "callback_refused_failed": {
        "fr": "Désolé, je n'ai pas pu enregistrer votre demande de rappel.",
        "en": "Sorry, I could not book your callback.",
    },
    "call_again_at": {
        "fr": "Merci de nous rappeler quand la mairie sera ouverte, {when}.",
        "en": "Please call us again when the city hall is open, {when}.",
    },
    "call_again_hours": {
        "fr": "Merci de nous rappeler plus tard. La mairie est ouverte {hours}.",
        "en": "Please call us again later. The city hall is open {hours}.",
    },
    "sms_offer": {
        "fr": "Voulez-vous recevoir le lien par SMS ? " + _CALL_OR_KEY_FR,
        "en": "Would you like the link by text message? " + _CALL_OR_KEY_EN,
    },
    "sms_body": {
        "fr": "Mairie de {city} - {topic} : {link}",
        "en": "{city} city hall - {topic}: {link}",
    },
    "sms_sent": {
        "fr": "C'est fait : vous allez recevoir le lien par SMS.",
        "en": "Done: you will receive the link by text message.",
    },
    "sms_failed": {
        "fr": "Désolé, je n'ai pas pu envoyer le SMS.",
        "en": "Sorry, I could not send the text message.",
    },
    "transfer_offer": {
        "fr": "Voulez-vous parler à un conseiller du service {service} ? " + _CALL_OR_KEY_FR,
        "en": "Would you like to speak to someone from {service}? " + _CALL_OR_KEY_EN,
    },
    "yes_no_reprompt": {
        "fr": "Je n'ai pas compris. Répondez par oui ou par non, ou tapez 1 pour oui, 2 pour non.",
        "en": "I didn't understand. Please answer yes or no, or press 1 for yes, 2 for no.",
    },
    "emergency_112": {
        "fr": "S'il s'agit d'une urgence, raccrochez et appelez immédiatement le 112. "
              "La mairie ne peut pas traiter les urgences.",
        "en": "If this is an emergency, hang up and call 112 immediately. The city hall cannot handle emergencies.",
    },
    "emergency_fire": {
        "fr": "En cas d'incendie, raccrochez et appelez immédiatement les pompiers au 18, ou le 112.",
        "en": "If there is a fire, hang up and call the fire brigade on 18, or 112, immediately.",
    },
    "emergency_medical": {
        "fr": "Pour une urgence médicale, raccrochez et appelez immédiatement le SAMU au 15, ou le 112.",
        "en": "For a medical emergency, hang up and call the ambulance service on 15, or 112, immediately.",
    },
    "emergency_violence": {
        "fr": "En cas de violence ou de danger, raccrochez et appelez immédiatement la police au 17, ou le 112.",
        "en": "If you are in danger or witness violence, hang up and call the police on 17, or 112, immediately.",
    },
    "emergency_transfer": {
        "fr": "Je vous transfère vers les secours. Restez en ligne.",
        "en": "I am transferring you to the emergency services. Stay on the line.",
    },
    "queue_position": {
        "fr": "Vous êtes en position {position} dans la file d'attente.",
        "en": "You are number {position} in the queue.",
    },
    "queue_wait": {
        "fr": "Votre attente est estimée à {minutes} minutes.",
        "en": "Your estimated wait is {minutes} minutes.",
    },
    "queue_wait_short": {
        "fr": "Votre attente devrait durer moins de deux minutes.",
        "en": "Your wait should be under two minutes.",
    },
    "queue_callback_offer": {
        "fr": "Pour être rappelé plutôt que de patienter, tapez 1.",
        "en": "To be called back instead of waiting, press 1.",
    },
    "queue_hold": {
        "fr": "Merci de patienter, un conseiller va vous répondre.",
        "en": "Please hold, an adviser will answer shortly.",
    },
    "overflow_queue": {
        "fr": "Bonjour, vous êtes bien à la mairie. Toutes nos lignes automatiques sont occupées : un "
              "conseiller va vous répondre, merci de patienter.",
        "en": "Hello, this is the city hall. All our automated lines are busy: an adviser will answer you, "
              "please hold.",
    },
    "overflow_callback": {
        "fr": "Bonjour, vous êtes bien à la mairie. Toutes nos lignes automatiques sont occupées. Pour être "
              "rappelé, tapez 1. Sinon, restez en ligne : un conseiller va vous répondre.",
        "en": "Hello, this is the city hall. All our automated lines are busy. To be called back, press 1. "
              "Otherwise, please hold for an adviser.",
    },
    "overflow_callback_done": {
        "fr": "C'est noté : un conseiller de la mairie vous rappellera. Au revoir.",
        "en": "Noted: an adviser from the city hall will call you back. Goodbye.",
    },
    "sorry": {
        "fr": "Désolé, nous rencontrons un problème technique.",
        "en": "Sorry, we are having a technical problem.",
    },
}

_FORMATTER = string.Formatter()
_NOT_SPOKEN = frozenset({"sms_body"})


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name]


def render(key: str, lang: str, **variables: object) -> str:
    """The prompt ``key`` in ``lang`` (French if ``lang`` is unknown) with its ``{variables}`` filled."""
    entry = PROMPTS.get(key)
    if entry is None:
        raise DialogError(f"unknown prompt {key!r}", code="dialog_prompt")
    template = entry.get(lang) or entry["fr"]
    missing = [name for name in _fields(template) if name not in variables]
    if missing:
        raise DialogError(f"prompt {key!r} needs {', '.join(missing)}", code="dialog_prompt")
    return template.format(**variables)


def is_fixed(key: str) -> bool:
    """True if the prompt has no variables."""
    return not _fields(PROMPTS[key]["fr"])


def all_prompt_texts(lang: str) -> list[str]:
    """Every fixed spoken prompt, then the literal fragments of templates (trimmed, with a letter in them)."""
    fixed: list[str] = []
    fragments: list[str] = []
    for key, entry in PROMPTS.items():
        if key in _NOT_SPOKEN:
            continue
        template = entry.get(lang) or entry["fr"]
        if not _fields(template):
            fixed.append(template)
            continue
        for literal, _, _, _ in _FORMATTER.parse(template):
            piece = literal.strip().lstrip(",;:.?! ").rstrip(" ,;:")
            if any(c.isalpha() for c in piece) and piece not in fragments:
                fragments.append(piece)
    return fixed + [f for f in fragments if f not in fixed]
