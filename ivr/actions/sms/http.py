"""A generic JSON-over-HTTP SMS provider: ``POST url {"to", "text", "from"}`` with one auth header."""

from __future__ import annotations

import uuid

import httpx

from ivr.actions.sms.base import http_status_error, transport_error
from ivr.errors import SmsError


def parse_header(header: str) -> dict[str, str]:
    """``"Authorization: Bearer x"`` -> ``{"Authorization": "Bearer x"}`` (empty string: no header)."""
    if not header.strip():
        return {}
    name, sep, value = header.partition(":")
    if not sep or not name.strip():
        raise SmsError("sms.auth_header must look like 'Name: value'", code="sms_config", retryable=False)
    return {name.strip(): value.strip()}


class HttpGateway:
    """Posts JSON; a 2xx answer is success, its ``id``/``message_id`` (if any) the message id."""

    def __init__(self, url: str, sender: str, *, auth_header: str = "",
                 client: httpx.AsyncClient | None = None, timeout_s: float = 10.0) -> None:
        if not url:
            raise SmsError("SMS provider URL is not configured (sms.url)", code="sms_config", retryable=False)
        self._url = url
        self._sender = sender
        self._headers = parse_header(auth_header)
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def send(self, number_e164: str, text: str) -> str:
        """POST the message."""
        payload = {"to": number_e164, "text": text, "from": self._sender}
        try:
            resp = await self._client.post(self._url, json=payload, headers=self._headers)
        except httpx.HTTPError as exc:
            raise transport_error("SMS provider", exc) from exc
        if not resp.is_success:
            raise http_status_error("SMS provider", resp.status_code, resp.text)
        try:
            body = resp.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ("id", "message_id", "messageId"):
                if body.get(key):
                    return str(body[key])
        return f"http-{uuid.uuid4().hex}"

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
