"""SMPP 3.4 transmitter through ``smpplib`` (blocking: runs in a worker thread, one PDU exchange at a time)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.gsm

from ivr.errors import SmsError

log = logging.getLogger(__name__)

# Statuses worth another try later: throttled, queue full, system error, submit failed.
_RETRYABLE_STATUS = frozenset({0x58, 0x14, 0x08, 0x45})

ClientFactory = Callable[[str, int], Any]


def _default_client(host: str, port: int) -> Any:
    return smpplib.client.Client(host, port, timeout=10, allow_unknown_opt_params=True)


class SmppGateway:
    """Binds as a transmitter on first use, re-binds after a connection failure."""

    def __init__(self, url: str, system_id: str, password: str, sender: str, *,
                 client_factory: ClientFactory = _default_client) -> None:
        parts = urlsplit(url if "://" in url else f"smpp://{url}")
        if not parts.hostname:
            raise SmsError("SMPP address is not configured (sms.url = smpp://host:port)", code="sms_config",
                           retryable=False)
        self._host, self._port = parts.hostname, parts.port or 2775
        self._system_id, self._password, self._sender = system_id, password, sender
        self._factory = client_factory
        self._client: Any = None
        self._lock = threading.Lock()

    async def send(self, number_e164: str, text: str) -> str:
        """Submit the message (split in concatenated parts if long); return the SMSC's id of the last part."""
        return await asyncio.to_thread(self._send_blocking, number_e164, text)

    def _connect(self) -> Any:
        if self._client is None:
            client = self._factory(self._host, self._port)
            self._client = client  # dropped (and disconnected) by the caller if what follows fails
            client.connect()
            client.bind_transmitter(system_id=self._system_id, password=self._password)
        return self._client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # already broken: nothing more to do
                log.debug("SMPP disconnect failed", exc_info=True)

    def _send_blocking(self, number_e164: str, text: str) -> str:
        parts, encoding, esm_class = smpplib.gsm.make_parts(text)
        sender_ton = c.SMPP_TON_ALNUM if not self._sender.lstrip("+").isdigit() else c.SMPP_TON_INTL
        with self._lock:
            try:
                client = self._connect()
                message_id = ""
                for part in parts:
                    client.send_message(
                        source_addr_ton=sender_ton,
                        source_addr=self._sender,
                        dest_addr_ton=c.SMPP_TON_INTL,
                        dest_addr_npi=c.SMPP_NPI_ISDN,
                        destination_addr=number_e164.lstrip("+"),
                        short_message=part,
                        data_coding=encoding,
                        esm_class=esm_class,
                        registered_delivery=False,
                    )
                    resp = client.read_pdu()
                    status = int(getattr(resp, "status", 0) or 0)
                    if status:
                        raise SmsError(f"SMSC refused the message (status 0x{status:02x})",
                                       code="sms_smpp_status", retryable=status in _RETRYABLE_STATUS)
                    raw = getattr(resp, "message_id", b"") or b""
                    message_id = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
                return message_id or "smpp"
            except SmsError:
                raise
            except (OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError) as exc:
                self._drop()
                raise SmsError(f"SMSC unreachable: {type(exc).__name__}: {exc}", code="sms_unreachable",
                               retryable=True) from exc

    async def aclose(self) -> None:
        """Unbind and disconnect."""
        def close() -> None:
            with self._lock:
                if self._client is not None:
                    try:
                        self._client.unbind()
                    except Exception:  # the SMSC may already be gone
                        log.debug("SMPP unbind failed", exc_info=True)
                self._drop()
        await asyncio.to_thread(close)
