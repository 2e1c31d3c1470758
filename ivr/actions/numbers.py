"""Phone numbers checked before anything is queued: E.164 out, a clear error otherwise."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from ivr.errors import IvrError

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


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


def normalize_number(number: str, region: str = "FR") -> str:
    """Any valid number (landline or mobile) in E.164, e.g. ``01 23 45 67 89`` -> ``+33123456789``."""
    return phonenumbers.format_number(_parse(number, region), phonenumbers.PhoneNumberFormat.E164)


def normalize_mobile(number: str, region: str = "FR") -> str:
    """A number that can receive SMS in E.164: French 06/07 (+33 6/7) or a foreign mobile.

    Raises ``InvalidNumber`` (not retryable) for landlines, special or premium numbers and garbage.
    """
    parsed = _parse(number, region)
    if phonenumbers.region_code_for_number(parsed) == "FR":
        if str(parsed.national_number)[:1] not in {"6", "7"}:
            raise InvalidNumber("not a French mobile number (06 or 07)")
    elif phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        raise InvalidNumber("not a mobile number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
