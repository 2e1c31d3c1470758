"""What every SMS gateway offers, and helpers they share."""

from __future__ import annotations

from typing import Protocol

import httpx
from smpplib.gsm import gsm_encode

from ivr.errors import SmsError


class SmsGateway(Protocol):
    """Hands one SMS to the operator; raises ``SmsError`` (``retryable`` says whether to try again)."""

    async def send(self, number_e164: str, text: str) -> str:
        """Send ``text`` to ``number_e164``; return the gateway's message id."""
        ...


def is_gsm7(text: str) -> bool:
    """True if ``text`` fits the GSM 03.38 alphabet (160 characters per SMS instead of 70)."""
    try:
        gsm_encode(text)
    except UnicodeError:
        return False
    return True


def http_status_error(gateway: str, status: int, body: str) -> SmsError:
    """Map an HTTP answer to an error: 408/429/5xx are worth retrying, other 4xx are not."""
    retryable = status in (408, 425, 429) or status >= 500
    return SmsError(f"{gateway} answered HTTP {status}: {body[:200]}", code=f"sms_http_{status}",
                    retryable=retryable)


def transport_error(gateway: str, exc: httpx.HTTPError) -> SmsError:
    """The gateway could not be reached: retry later."""
    return SmsError(f"{gateway} unreachable: {type(exc).__name__}: {exc}", code="sms_unreachable",
                    retryable=True)
