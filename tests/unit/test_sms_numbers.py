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
])
def test_mobiles_are_accepted(raw: str, e164: str) -> None:
    assert normalize_mobile(raw) == e164


@pytest.mark.parametrize(("raw", "why"), [
    ("01 23 45 67 89", "French mobile"),  # Paris landline
    ("09 51 23 45 67", "French mobile"),  # VoIP
    ("08 00 12 34 56", "French mobile"),  # freephone
    ("+49 30 1234567", "DE are not allowed"),  # Berlin landline
    ("+44 7400 123456", "GB are not allowed"),  # UK mobile: the city does not pay for international SMS
    ("06 12 34", "valid"),
    ("bonjour", "not a phone number"),
    ("", "not a phone number"),
])
def test_other_numbers_are_refused_clearly(raw: str, why: str) -> None:
    with pytest.raises(InvalidNumber, match=why) as err:
        normalize_mobile(raw)
    assert err.value.retryable is False and err.value.code == "invalid_number"


def test_other_countries_only_when_allowed() -> None:
    assert normalize_mobile("+262 692 12 34 56", regions=("FR", "RE")) == "+262692123456"
    assert normalize_mobile("+32 470 12 34 56", regions=("FR", "BE")) == "+32470123456"
    with pytest.raises(InvalidNumber, match="not a mobile"):
        normalize_mobile("+49 30 1234567", regions=("FR", "DE"))


def test_callback_numbers_may_be_landlines_never_premium_or_shared_cost() -> None:
    assert normalize_number("01 23 45 67 89") == "+33123456789"
    assert normalize_number("09 51 23 45 67") == "+33951234567"  # "box" numbers are residential lines
    for raw, kind in (("08 99 12 34 56", "premium_rate"), ("08 10 12 34 56", "shared_cost"),
                      ("08 20 12 34 56", "shared_cost"), ("08 00 12 34 56", "toll_free")):
        with pytest.raises(InvalidNumber, match=kind):
            normalize_number(raw)
    with pytest.raises(InvalidNumber, match="not allowed"):
        normalize_number("+44 20 7946 0958")
    with pytest.raises(InvalidNumber):
        normalize_number("12")
