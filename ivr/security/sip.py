"""One SIP password per endpoint, derived from the generated master secret in ``<home>/secrets.toml``.

A shared password let any agent (or anyone who read it from one browser) register as any other agent and
take their calls. Each endpoint's password is ``HMAC-SHA256(master, endpoint)``: distinct per endpoint,
one endpoint's password reveals nothing about another's, nothing more to store or synchronise between the
bot, ``ivr asterisk render`` and the web console, and rotating the master rotates them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from ivr.config import Secrets


def endpoint_password(secrets: Secrets, endpoint: str) -> str:
    """The digest password of PJSIP endpoint ``endpoint`` (``agent1``, ``web-agent1``...)."""
    if not secrets.agent_password:
        raise ValueError("no agent master secret (secrets.agent_password)")
    mac = hmac.new(secrets.agent_password.encode(), f"pjsip:{endpoint}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:32]
