"""Choose the SMS gateway from ``SmsSettings.gateway``."""

from __future__ import annotations

from ivr.actions.sms.base import SmsGateway
from ivr.actions.sms.http import HttpGateway
from ivr.actions.sms.kannel import KannelGateway
from ivr.actions.sms.smpp import SmppGateway
from ivr.config import SmsSettings
from ivr.errors import ConfigError


def make_gateway(settings: SmsSettings) -> SmsGateway | None:
    """The configured gateway, or ``None`` when SMS is disabled (``gateway = "none"``)."""
    kind = settings.gateway.strip().lower()
    if kind in ("", "none"):
        return None
    if kind == "kannel":
        return KannelGateway(settings.url, settings.username, settings.password, settings.sender,
                             timeout_s=settings.timeout_s)
    if kind == "smpp":
        return SmppGateway(settings.url, settings.username, settings.password, settings.sender)
    if kind == "http":
        return HttpGateway(settings.url, settings.sender, auth_header=settings.auth_header,
                           timeout_s=settings.timeout_s)
    raise ConfigError(f"unknown sms.gateway {settings.gateway!r} (none, kannel, smpp or http)")
