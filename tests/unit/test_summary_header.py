"""The summary as a SIP header value (``X-IVR-Summary``): nothing a caller says can end the header."""

from __future__ import annotations

from ivr.dialog.summary import Summary


def test_summary_header_cannot_carry_a_line_break() -> None:
    s = Summary("bonjour\r\nX-Evil: 1\u2028suite", None, "état civil", "etat_civil", None, "fr", 3, 1)
    header = s.to_header()
    assert "\r" not in header and "\n" not in header and "\u2028" not in header
    assert "« bonjour  X-Evil: 1 suite »" in header and "état civil" in header
