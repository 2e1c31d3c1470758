"""Kannel's HTTP ``sendsms`` interface (smsbox)."""

from __future__ import annotations

import uuid

import httpx

from ivr.actions.sms.base import http_status_error, is_gsm7, transport_error
from ivr.errors import SmsError


class KannelGateway:
    """``GET {url}?username=..&password=..&from=..&to=..&text=..``; Kannel answers ``202 0: Accepted``."""

    def __init__(self, url: str, username: str, password: str, sender: str, *,
                 client: httpx.AsyncClient | None = None, timeout_s: float = 10.0) -> None:
        if not url:
            raise SmsError("Kannel sendsms URL is not configured (sms.url)", code="sms_config", retryable=False)
        self._url = url
        self._auth = {"username": username, "password": password}
        self._sender = sender
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def send(self, number_e164: str, text: str) -> str:
        """Hand the message to smsbox; the returned id is ours (``sendsms`` gives none)."""
        message_id = f"kannel-{uuid.uuid4().hex}"
        params = {
            **self._auth,
            "from": self._sender,
            "to": number_e164,
            "text": text,
            "charset": "UTF-8",
            "coding": "0" if is_gsm7(text) else "2",
        }
        try:
            resp = await self._client.get(self._url, params=params)
        except httpx.HTTPError as exc:
            raise transport_error("Kannel", exc) from exc
        body = resp.text.strip()
        if resp.status_code not in (200, 202) or body[:1] not in ("0", "3"):
            raise http_status_error("Kannel", resp.status_code, body)
        return message_id

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
