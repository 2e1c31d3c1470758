"""Texting callers: gateways (Kannel, SMPP, generic HTTP) behind one protocol, and a durable outbox."""

from ivr.actions.sms.base import SmsGateway, is_gsm7
from ivr.actions.sms.factory import make_gateway
from ivr.actions.sms.outbox import SmsOutbox

__all__ = ["SmsGateway", "SmsOutbox", "is_gsm7", "make_gateway"]
