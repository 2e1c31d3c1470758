"""The rendered Asterisk configuration keeps the control plane off the carrier side and no secret in the dialplan.

Rendered for real (openssl makes the WSS certificate); the running behaviour of the same files is tested
against the real Asterisk in ``tests/e2e/test_sip_abuse.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ivr.telephony.asterisk.render import render_config
from ivr.testing.lab import make_settings


def test_sip_on_its_own_address_control_plane_on_loopback_no_secret_in_the_dialplan(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, asterisk={"sip_bind": "192.0.2.20", "agent_networks": "10.1.0.0/16"})
    etc = render_config(settings).etc
    pjsip = (etc / "pjsip.conf").read_text()
    assert re.search(r"\[transport-udp\][^\[]*bind = 192\.0\.2\.20:", pjsip)
    assert "contact_permit = 10.1.0.0/16" in pjsip and "remove_existing = yes" not in pjsip
    for name in ("http.conf", "manager.conf"):
        text = (etc / name).read_text()
        assert "127.0.0.1" in text and "192.0.2.20" not in text, name
    manager = (etc / "manager.conf").read_text()
    assert re.search(r"^write = agent,command$", manager, re.M)
    assert "originate" not in manager and "system" not in manager
    assert "security.log => security" in (etc / "logger.conf").read_text()
    modules = (etc / "modules.conf").read_text()
    assert "app_mixmonitor" not in modules and "load = res_security_log.so" in modules
    extensions = (etc / "extensions.conf").read_text()
    assert "_agent." not in extensions and "exten => agent2,1,Dial(PJSIP/agent2,30)" in extensions
    s = settings.secrets
    for secret in (s.ari_password, s.ami_password, s.agent_password, s.web_secret):
        assert secret not in extensions
    key = settings.paths.home / "tls" / "asterisk.key"
    assert key.stat().st_mode & 0o077 == 0, "the TLS key is private"
    assert f"tlsbindaddr = 127.0.0.1:{settings.asterisk.tls_port}" in (etc / "http.conf").read_text()
