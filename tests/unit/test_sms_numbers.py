"""Only numbers that can receive an SMS are queued; callbacks accept any valid number."""

from __future__ import annotations

import pytest

from ivr.actions.numbers import InvalidNumber, normalize_mobile, normalize_number


@pytest.mark.parametrize(("raw", "e164"), [
    ("06 12 34 56 78", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("0033612345678", "+33612345678"),
    ("07 56 12 34 56", "+33756123456"),
    ("+44 7911 123456", "+447911123456"),  # UK mobile
    ("+262 692 12 34 56", "+262692123456"),  # Réunion mobile
])
def test_mobiles_are_accepted(raw: str, e164: str) -> None:
    assert normalize_mobile(raw) == e164


@pytest.mark.parametrize(("raw", "why"), [
    ("01 23 45 67 89", "French mobile"),  # Paris landline
    ("09 51 23 45 67", "French mobile"),  # VoIP
    ("08 00 12 34 56", "French mobile"),  # freephone
    ("+49 30 1234567", "not a mobile"),  # Berlin landline
    ("06 12 34", "valid"),
    ("bonjour", "not a phone number"),
    ("", "not a phone number"),
])
def test_other_numbers_are_refused_clearly(raw: str, why: str) -> None:
    with pytest.raises(InvalidNumber, match=why) as err:
        normalize_mobile(raw)
    assert err.value.retryable is False and err.value.code == "invalid_number"


def test_callback_numbers_may_be_landlines() -> None:
    assert normalize_number("01 23 45 67 89") == "+33123456789"
    with pytest.raises(InvalidNumber):
        normalize_number("12")
