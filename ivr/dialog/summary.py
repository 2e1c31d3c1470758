"""What the agent sees when a call arrives: a short, one-line, French summary of the conversation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CALLERID_MAX = 40
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.\-]+")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Summary:
    """The call so far, for an agent taking it over or calling back."""

    request_text: str
    """The caller's last utterances (2-3), joined by " / "."""
    intent: str | None
    intent_label: str
    """Short label without article ("passeport"), or the service name when chosen on the keypad."""
    service: str
    answer_given: str | None
    """The intent whose answer the bot already gave, if any."""
    lang: str
    waited_s: float
    """Seconds since the call started."""
    attempts: int
    """How many times the caller spoke or typed before being handed over."""

    def to_text(self, max_len: int = 160) -> str:
        """One line of French for the agent's screen, at most ``max_len`` characters."""
        parts = [f"Demande : {self.intent_label or 'non comprise'} ({self.service})"]
        if self.request_text:
            parts.append(f"« {self.request_text} »")
        if self.answer_given:
            parts.append("réponse déjà donnée")
        parts.append(f"langue {self.lang}, {round(self.waited_s)} s, {self.attempts} essai(s)")
        return _cut(" — ".join(parts).replace("\n", " "), max_len)

    def to_header(self, max_len: int = 200) -> str:
        """:meth:`to_text` fit for a SIP header value (``X-IVR-Summary``, to the queue node and agents' phones).

        A caller's words or a chat message may hold CR/LF or other control characters, which would end the
        header and let text pose as SIP; they become spaces. UTF-8 stays (SIP header text is UTF-8).
        """
        return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                       for c in self.to_text(max_len))

    def to_callerid_name(self) -> str:
        """ASCII caller-ID name (<= 40 chars) for plain SIP phones, e.g. ``IVR:passeport|fr``."""
        suffix = f"|{self.lang}"
        label = _UNSAFE.sub("", _ascii(self.intent_label or self.service)).strip() or "appel"
        room = CALLERID_MAX - len("IVR:") - len(suffix)
        return f"IVR:{label[:room].rstrip()}{suffix}"
