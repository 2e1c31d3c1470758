"""Tiny word spotting the matcher does not do: yes/no fallback, "le premier / le deuxième", emergency case."""

from __future__ import annotations

from ivr.nlu.text import fold

_YES = frozenset({"oui", "ouais", "ouai", "d accord", "daccord", "ok", "okay", "bien sur", "volontiers",
                  "yes", "yeah", "yep", "sure", "please", "oui merci", "oui s il vous plait",
                  # the answer to the bot's own "c'est bien ça ?" / "is that right?"; whisper often hears the
                  # "oui" before it as "hum" (a filler below): "Hum, c'est bien ça." was re-prompted until goodbye
                  "c est bien ca", "c est ca", "tout a fait", "exactement", "absolument",
                  "that s right", "that is right", "exactly", "correct"})
_NO = frozenset({"non", "non merci", "pas besoin", "no", "nope", "no thanks", "no thank you", "ca ira",
                 "c est bon", "rien"})
_FILLERS = frozenset({"ah", "euh", "eh", "bah", "ben", "bon", "alors", "hm", "hmm", "hum", "oh", "well", "um",
                      "uh"})
_FIRST = ("premier", "premiere", "1er", "le 1", "first", "the 1st", "numero 1", "number 1")
_SECOND = ("deuxieme", "second", "seconde", "2e", "2eme", "le 2", "numero 2", "number 2", "the 2nd", "dernier",
           "derniere", "last")
_HUMAN = ("conseiller", "conseillere", "quelqu un", "une personne", "un agent", "humain", "adviser", "advisor",
          "someone", "a person", "operator", "standard")

_FIRE = ("feu", "incendie", "fumee", "flamme", "brule", "fire", "smoke", "flames", "burning", "gaz", "gas")
_MEDICAL = ("respir", "malaise", "inconscient", "connaissance", "cardiaque", "coeur", "saigne", "sang",
            "blesse", "avc", "overdose", "noy", "etouffe", "convuls", "samu", "ambulance", "breath", "heart",
            "unconscious", "bleeding", "injured", "collapsed", "stroke", "drown", "suicid", "mourir", "me tuer")
_VIOLENCE = ("agress", "frapp", "bat ", "arme", "couteau", "pistolet", "fusil", "poignard", "menace", "viol",
             "police", "tire", "attack", "assault", "knife", "gun", "shoot", "stabb", "hitting", "beating",
             "threat", "cambriol", "burglar")


def _has(folded: str, stems: tuple[str, ...]) -> bool:
    padded = f" {folded} "
    return any(f" {stem}" in padded for stem in stems)


def yes_or_no(text: str) -> bool | None:
    """True for a plain yes ("ah oui", "oui merci"), False for a plain no, None otherwise."""
    words = fold(text).split()
    while words and words[0] in _FILLERS:
        words = words[1:]
    folded = " ".join(words)
    if folded in _YES or words[:1] in (["oui"], ["yes"]):
        return True
    if folded in _NO or words[:1] in (["non"], ["no"]):
        return False
    return None


def ordinal_choice(text: str) -> int | None:
    """1 for "le premier", 2 for "le deuxième", None otherwise (both or neither: None)."""
    folded = fold(text)
    first, second = _has(folded, _FIRST), _has(folded, _SECOND)
    if first == second:
        return None
    return 1 if first else 2


def asks_for_human(text: str) -> bool:
    """True if the words ask for a person ("conseiller", "quelqu'un")."""
    return _has(fold(text), _HUMAN)


def emergency_case(text: str) -> str:
    """``fire``, ``medical``, ``violence`` when the words tell, else ``112`` (also when several match)."""
    folded = fold(text)
    cases = [name for name, stems in (("fire", _FIRE), ("medical", _MEDICAL), ("violence", _VIOLENCE))
             if _has(folded, stems)]
    return cases[0] if len(cases) == 1 else "112"
