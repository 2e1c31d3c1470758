"""``asterisk.role``: the same templates render a single box, a cluster's media node, or its queue node.

Integration tier: rendering makes the TLS certificate with openssl.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config import Settings, load_settings
from ivr.errors import ConfigError
from ivr.telephony.asterisk.render import render_config
from ivr.web.dialplan import check_syntax


def _render(tmp_path: Path, asterisk: dict[str, object]) -> tuple[str, str]:
    settings: Settings = load_settings({"paths": {"home": str(tmp_path)}, "asterisk": asterisk}, environ={})
    layout = render_config(settings)
    return (layout.etc / "extensions.conf").read_text(), (layout.etc / "pjsip.conf").read_text()


def _context(dialplan: str, name: str) -> str:
    return dialplan.split(f"[{name}]\n", 1)[1].split("\n[", 1)[0]


def test_single_box_keeps_its_queues_here(tmp_path: Path) -> None:
    dialplan, pjsip = _render(tmp_path, {})
    assert check_syntax(dialplan) == []
    assert "Queue(${EXTEN},b(ivr-agent-leg^s^1)" in _context(dialplan, "ivr-queue")
    assert "Queue(${IVR_FALLBACK_QUEUE},,,,900)" in _context(dialplan, "ivr-fallback")
    assert "ivr-queue-node" not in dialplan + pjsip and "from-media-nodes" not in dialplan + pjsip
    # the agent leg carries the summary as well as the call id
    assert "PJSIP_HEADER(add,X-IVR-Summary)=${IVR_SUMMARY}" in _context(dialplan, "ivr-agent-leg")


def test_media_node_hands_callers_to_the_queue_node(tmp_path: Path) -> None:
    dialplan, pjsip = _render(tmp_path, {"role": "media", "queue_node": "127.0.0.10:5060"})
    assert check_syntax(dialplan) == []
    queue, fallback = _context(dialplan, "ivr-queue"), _context(dialplan, "ivr-fallback")
    assert "Queue(" not in queue + fallback
    assert "Dial(PJSIP/${EXTEN}@ivr-queue-node," in queue and "b(ivr-to-queue-node^s^1)" in queue
    assert "Dial(PJSIP/${IVR_FALLBACK_QUEUE}@ivr-queue-node," in fallback
    # not answered: the bot offers a callback; bot gone too: a spoken end, never back into ivr-fallback
    assert "Stasis(ivr,queue-exit," in queue and "Goto(ivr-fallback-end,s,1)" in queue + fallback
    assert "Playback(" in _context(dialplan, "ivr-fallback-end")
    leg = _context(dialplan, "ivr-to-queue-node")
    assert "PJSIP_HEADER(add,X-IVR-Call-Id)=${IVR_CALL_ID}" in leg
    assert "PJSIP_HEADER(add,X-IVR-Summary)=${IVR_SUMMARY}" in leg
    assert "contact = sip:127.0.0.10:5060" in pjsip and "qualify_frequency = 2" in pjsip


def test_queue_node_takes_calls_from_the_media_nodes_only(tmp_path: Path) -> None:
    dialplan, pjsip = _render(tmp_path, {"role": "queue", "media_nodes": ["127.0.0.11", "127.0.0.12"]})
    assert check_syntax(dialplan) == []
    entry = _context(dialplan, "from-media-nodes")
    assert "Set(__IVR_CALL_ID=${PJSIP_HEADER(read,X-IVR-Call-Id)})" in entry
    assert "Set(__IVR_SUMMARY=${PJSIP_HEADER(read,X-IVR-Summary)})" in entry
    assert "Queue(${EXTEN},b(ivr-agent-leg^s^1)" in entry
    identify = pjsip.split("[media-nodes]\ntype = identify\n", 1)[1]
    assert identify.split("\n[", 1)[0].count("match = 127.0.0.1") == 2
    # a media node's callback rings one configured agent by name, nothing else (explicit extensions only)
    assert "exten => callback-agent2,1,Dial(PJSIP/agent2,30)" in entry
    assert "exten => callback-web-agent2,1,Dial(PJSIP/web-agent2,30)" in entry
    assert "exten => _callback" not in entry


def test_managers_name_the_ivr_call_on_every_channel_event(tmp_path: Path) -> None:
    settings = load_settings({"paths": {"home": str(tmp_path)}, "asterisk": {"role": "queue",
                             "media_nodes": ["127.0.0.11"]}}, environ={})
    manager = (render_config(settings).etc / "manager.conf").read_text()
    assert "channelvars = IVR_CALL_ID" in manager.split("[general]", 1)[1].split("\n[", 1)[0]


@pytest.mark.parametrize("asterisk", [{"role": "edge"}, {"role": "media"}, {"role": "queue"}])
def test_a_role_without_its_peers_is_refused(tmp_path: Path, asterisk: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        _render(tmp_path, asterisk)
