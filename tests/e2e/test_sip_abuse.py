"""SIP-side attacks against the real Asterisk 22: dialplan injection from an agent phone, password reuse.

The ``[from-agents]`` context used to be ``_agent.,1,Dial(PJSIP/${EXTEN})``: lowercase ``n`` is a pattern
digit, and whatever the phone dialled went into ``Dial()`` unfiltered, so ``age2t1&PJSIP/trunk`` made the
city's trunk place a call. Now each agent endpoint is an explicit extension.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from conftest import agent_phone, phone

from ivr.config import Settings
from ivr.probe.ports import free_port
from ivr.security.sip import endpoint_password
from ivr.telephony.asterisk.layout import layout_for

pytestmark = [pytest.mark.asterisk, pytest.mark.slow]


def _trunk_listener(settings: Settings) -> socket.socket:
    """A UDP socket where the carrier would be: any INVITE the city sends out lands here."""
    host, _, port = settings.asterisk.trunk_contact.partition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, int(port)))
    sock.setblocking(False)
    return sock


def _received(sock: socket.socket) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(sock.recv(65535))
        except BlockingIOError:
            return out


async def test_agents_reach_each_other_and_dialplan_injection_reaches_no_trunk(
    asterisk: Any, test_settings: Settings, tmp_path: Path
) -> None:
    a = test_settings.asterisk
    trunk = _trunk_listener(test_settings)
    try:
        async with agent_phone(test_settings, tmp_path / "a1", "agent1") as caller, \
                agent_phone(test_settings, tmp_path / "a2", "agent2", host="127.0.0.4") as callee:
            # the explicit extension works (the old pattern never matched "agent2")
            await caller.dial(f"sip:agent2@{a.bind}:{a.sip_port}")
            await callee.wait_event("CALL_ESTABLISHED", timeout=20)
            await caller.wait_event("CALL_ESTABLISHED", timeout=20)
            await caller.hangup()
            await caller.wait_event("CALL_CLOSED", timeout=20)
            # injection: a second interface appended to what Dial() gets
            for target in ("age2t1&PJSIP/trunk", "agent2&PJSIP/trunk", "agent2,,tTL(1)"):
                await caller.dial(f"sip:{target}@{a.bind}:{a.sip_port}")
                closed = await caller.wait_event("CALL_CLOSED", timeout=30)
                assert "404" in closed.param or "Not Found" in closed.param, (target, closed.param)
        invites = [m for m in _received(trunk) if m.startswith(b"INVITE")]
        assert invites == [], "an agent phone made the city's trunk place a call"
    finally:
        trunk.close()


async def test_one_agents_password_does_not_register_another_and_the_security_log_says_so(
    asterisk: Any, test_settings: Settings, tmp_path: Path
) -> None:
    a = test_settings.asterisk
    stolen = endpoint_password(test_settings.secrets, "agent1")
    account = (f"<sip:agent2@{a.bind}:{a.sip_port}>;auth_pass={stolen};"
               f"outbound=\"sip:{a.bind}:{a.sip_port}\";regint=60")
    host = "127.0.0.5"
    (tmp_path / "thief").mkdir()
    log = layout_for(test_settings).run / "log" / "security.log"
    async with phone(tmp_path / "thief", sip_host=host, sip_port=free_port(host, socket.SOCK_DGRAM),
                     account=account):
        for _ in range(300):  # the refusal is logged when Asterisk answers the REGISTER
            if log.exists() and "agent2" in log.read_text(errors="replace"):
                break
            await asyncio.sleep(0.1)
        state = await _endpoint_state(test_settings, "agent2")
    text = log.read_text(errors="replace")
    assert "agent2" in text and ("ChallengeResponseFailed" in text or "InvalidPassword" in text), text[-2000:]
    assert state != "online", "agent2 registered with agent1's password"


async def _endpoint_state(settings: Settings, endpoint: str) -> str:
    import httpx

    a = settings.asterisk
    async with httpx.AsyncClient(auth=(a.ari_user, settings.secrets.ari_password)) as c:
        r = await c.get(f"http://{a.bind}:{a.ari_port}/ari/endpoints/PJSIP/{endpoint}")
    return str(r.json().get("state", ""))


async def test_the_bots_ami_account_cannot_originate_or_rewrite_config(asterisk: Any, test_settings: Settings) -> None:
    from ivr.telephony.ami import AmiClient

    a = test_settings.asterisk
    ami = AmiClient(a.bind, a.ami_port, a.ami_user, test_settings.secrets.ami_password)
    await ami.connect()
    try:
        assert (await ami.queue_status()).queues, "what the bot uses still works"
        for name, headers in (
            ("Originate", {"Channel": "PJSIP/0899123456@trunk", "Application": "Playback", "Data": "beep"}),
            ("UpdateConfig", {"SrcFilename": "extensions.conf", "DstFilename": "extensions.conf",
                              "Action-000000": "Append", "Cat-000000": "x", "Var-000000": "exten",
                              "Value-000000": "s,1,System(id)"}),
            ("GetConfig", {"Filename": "pjsip.conf"}),
        ):
            reply = await ami.action(name, **headers)
            assert not reply.ok and "permission denied" in reply.response.get("Message").lower(), (name, reply)
    finally:
        await ami.close()
