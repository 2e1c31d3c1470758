"""Phone numbers checked before anything is queued: E.164 out, a clear error otherwise.

The city pays for every callback and SMS, and callers can fake their caller ID, so a number is only
accepted when calling or texting it cannot run up a bill: by default French fixed lines, mobiles and
"box" numbers (09), never premium-rate (089x), shared-cost (081x/082x), short or international numbers.
Other countries (overseas départements: GP, MQ, GF, RE, YT...) are allowed by ``security.number_regions``.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from ivr.errors import IvrError

DEFAULT_REGIONS: tuple[str, ...] = ("FR",)

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_CALLABLE_TYPES = _MOBILE_TYPES | {PhoneNumberType.FIXED_LINE, PhoneNumberType.VOIP}
"""What a callback may dial: never premium rate, shared cost, toll free, UAN, pager or personal numbers."""


class InvalidNumber(IvrError):
    """A number that cannot be called back or texted."""

    code = "invalid_number"
    retryable = False


def _parse(number: str, region: str) -> phonenumbers.PhoneNumber:
    raw = number.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise InvalidNumber(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid phone number")
    return parsed


def _check_region(parsed: phonenumbers.PhoneNumber, regions: Iterable[str]) -> str:
    country = phonenumbers.region_code_for_number(parsed) or ""
    if country not in set(regions):
        raise InvalidNumber(f"numbers of {country or 'that country'} are not allowed (security.number_regions)")
    return country


def normalize_number(number: str, region: str = "FR", regions: Iterable[str] = DEFAULT_REGIONS) -> str:
    """A number a callback may dial, in E.164: ``01 23 45 67 89`` -> ``+33123456789``.

    Fixed, mobile and VoIP numbers of the allowed ``regions`` only; ``InvalidNumber`` (not retryable) for
    premium-rate, shared-cost and other special numbers, for other countries and for garbage.
    """
    parsed = _parse(number, region)
    _check_region(parsed, regions)
    kind = phonenumbers.number_type(parsed)
    if kind not in _CALLABLE_TYPES:
        raise InvalidNumber(f"not a fixed or mobile number ({kind_name(kind)})")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_mobile(number: str, region: str = "FR", regions: Iterable[str] = DEFAULT_REGIONS) -> str:
    """A number that can receive SMS in E.164: a mobile of the allowed ``regions`` (French 06/07 by default).

    Raises ``InvalidNumber`` (not retryable) for landlines, special or premium numbers, other countries and
    garbage.
    """
    parsed = _parse(number, region)
    country = _check_region(parsed, regions)
    if country == "FR":
        if str(parsed.national_number)[:1] not in {"6", "7"}:
            raise InvalidNumber("not a French mobile number (06 or 07)")
    elif phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        raise InvalidNumber("not a mobile number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def kind_name(kind: int) -> str:
    """``PhoneNumberType`` as a word for error messages (``premium_rate``, ``shared_cost``...)."""
    for name, value in vars(PhoneNumberType).items():
        if value == kind and name.isupper():
            return name.lower()
    return "unknown"
