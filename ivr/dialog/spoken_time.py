"""Times, days and weekly schedules written for the ear, in French and English."""

from __future__ import annotations

from datetime import datetime, time

from ivr.dialog.kbview import Slots

_DAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def say_time(t: time, lang: str) -> str:
    """``8 h 30`` / ``midi`` in French, ``8:30 am`` / ``noon`` in English."""
    if lang == "en":
        if (t.hour, t.minute) == (12, 0):
            return "noon"
        hour = t.hour % 12 or 12
        suffix = "am" if t.hour < 12 else "pm"
        return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"
    if (t.hour, t.minute) == (12, 0):
        return "midi"
    if (t.hour, t.minute) == (0, 0):
        return "minuit"
    return f"{t.hour} h" if t.minute == 0 else f"{t.hour} h {t.minute:02d}"


def say_when(when: datetime, now: datetime, lang: str) -> str:
    """When something happens, relative to ``now``: "demain à 8 h 30", "on Monday at 9 am"..."""
    days = (when.date() - now.date()).days
    at = say_time(when.time(), lang)
    if lang == "en":
        if days <= 0:
            return f"today at {at}"
        if days == 1:
            return f"tomorrow at {at}"
        day = _DAYS["en"][when.weekday()]
        if days < 7:
            return f"on {day} at {at}"
        return f"on {day} {when.day} {_MONTHS['en'][when.month - 1]} at {at}"
    if days <= 0:
        return f"aujourd'hui à {at}"
    if days == 1:
        return f"demain à {at}"
    day = _DAYS["fr"][when.weekday()]
    if days < 7:
        return f"{day} à {at}"
    number = "1er" if when.day == 1 else str(when.day)
    return f"le {day} {number} {_MONTHS['fr'][when.month - 1]} à {at}"


def _slots_text(slots: Slots, lang: str) -> str:
    if lang == "en":
        parts = [f"from {say_time(a, lang)} to {say_time(b, lang)}" for a, b in slots]
        return " and ".join(parts)
    parts = [f"de {say_time(a, lang)} à {say_time(b, lang)}" for a, b in slots]
    return " et ".join(parts)


def say_week(week: tuple[Slots, ...], lang: str) -> str:
    """A weekly schedule, consecutive days with equal slots grouped: "du lundi au vendredi de 8 h 30 à midi..."."""
    names = _DAYS["en" if lang == "en" else "fr"]
    groups: list[tuple[int, int, Slots]] = []
    for index, slots in enumerate(week):
        if not slots:
            continue
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == slots:
            groups[-1] = (groups[-1][0], index, slots)
        else:
            groups.append((index, index, slots))
    phrases: list[str] = []
    for first, last, slots in groups:
        if lang == "en":
            days = names[first] if first == last else f"{names[first]} to {names[last]}"
        else:
            days = f"le {names[first]}" if first == last else f"du {names[first]} au {names[last]}"
        phrases.append(f"{days} {_slots_text(slots, lang)}")
    if not phrases:
        return ""
    joiner = " and " if lang == "en" else " et "
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + "," + joiner + phrases[-1]
