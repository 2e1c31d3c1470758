"""Render ``asterisk-conf/`` and ``dialplans/`` templates into the run directory."""

from __future__ import annotations

import math
import wave
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from ivr.config import Settings
from ivr.errors import ConfigError
from ivr.security import dialplan as sandbox
from ivr.security.sip import endpoint_password
from ivr.security.tls import TlsFiles, ensure_self_signed
from ivr.telephony.asterisk.layout import AsteriskLayout, layout_for

MODULES = (
    # core plumbing
    "res_timing_timerfd", "res_sorcery_config", "res_sorcery_memory", "res_sorcery_astdb",
    "res_http_websocket", "res_rtp_asterisk", "res_rtp_multicast", "res_musiconhold", "res_crypto",
    "res_srtp", "res_manager_devicestate", "res_manager_presencestate", "res_security_log",
    "func_callerid", "func_channel", "func_logic", "func_strings", "func_cut", "func_global",
    "app_dial", "app_queue", "app_playback", "app_stasis", "app_verbose", "app_echo",
    "app_stack",  # Gosub: the queue's pre-dial handler puts X-IVR-Call-Id on the agent leg
    "bridge_simple", "bridge_softmix", "bridge_native_rtp", "bridge_holding",
    "chan_pjsip", "chan_audiosocket", "res_audiosocket", "chan_rtp", "chan_bridge_media",
    "chan_websocket", "res_websocket_client", "pbx_config",
    "codec_ulaw", "codec_alaw", "codec_g722", "codec_resample", "codec_opus_open_source",
    "format_wav", "format_pcm", "format_sln", "format_gsm",
    # PJSIP
    "res_pjproject", "res_pjsip", "res_pjsip_session", "res_pjsip_authenticator_digest",
    "res_pjsip_endpoint_identifier_ip", "res_pjsip_endpoint_identifier_user", "res_pjsip_registrar",
    "res_pjsip_outbound_authenticator_digest", "res_pjsip_sdp_rtp", "res_pjsip_dtmf_info",
    "res_pjsip_caller_id", "res_pjsip_nat", "res_pjsip_logger", "res_pjsip_transport_websocket",
    "res_pjsip_dialog_info_body_generator", "res_pjsip_pubsub",
    "res_pjsip_rfc3326", "res_pjsip_header_funcs", "res_pjsip_acl",
    "res_pjsip_diversion", "res_pjsip_empty_info", "res_pjsip_one_touch_record_info",
    "res_pjsip_path", "res_pjsip_refer", "res_pjsip_messaging", "res_pjsip_send_to_voicemail",
    "res_pjsip_outbound_registration",
    # ARI
    "res_stasis", "res_stasis_answer", "res_stasis_playback", "res_stasis_recording", "res_stasis_snoop",
    "res_stasis_device_state", "res_ari", "res_ari_model", "res_ari_applications",
    "res_ari_asterisk", "res_ari_bridges", "res_ari_channels", "res_ari_device_states", "res_ari_endpoints",
    "res_ari_events", "res_ari_playbacks", "res_ari_recordings", "res_ari_sounds",
)

TEMPLATE_DIRS_DEFAULT = ("asterisk-conf", "dialplans")


def service_ids(settings: Settings) -> list[str]:
    """City services = queues: from the knowledge base's services file, else the shared intents list."""
    services_file = settings.paths.knowledge_dir / "services.yaml"
    if services_file.exists():
        import yaml

        data = yaml.safe_load(services_file.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict):
            return [str(k) for k in data if str(k) != "urgence"]
    return [settings.asterisk.fallback_queue]


def queue_members(settings: Settings, services: list[str]) -> dict[str, list[str]]:
    """Agent names per queue from ``agent_services``."""
    members: dict[str, list[str]] = {s: [] for s in services}
    for spec in settings.asterisk.agent_services:
        agent, _, svc = spec.partition("=")
        wanted = services if svc.strip() == "*" else [s.strip() for s in svc.split(",") if s.strip()]
        for s in wanted:
            if s in members and agent.strip() not in members[s]:
                members[s].append(agent.strip())
    return members


def make_hold_music(directory: Path) -> None:
    """A soft generated melody as music on hold (no external sound package needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "ivr-hold.wav"
    if target.exists():
        return
    rate = 8000
    notes = [523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46]
    parts = []
    for f in notes * 2:
        t = np.arange(int(rate * 0.45)) / rate
        env = np.minimum(1.0, t / 0.03) * np.exp(-3 * t)
        parts.append(0.18 * env * (np.sin(2 * math.pi * f * t) + 0.3 * np.sin(4 * math.pi * f * t)))
    pcm = (np.concatenate(parts) * 32767).astype("<i2").tobytes()
    with wave.open(str(target), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


def _link_system_sounds(layout: AsteriskLayout) -> None:
    """French (and other) prompts come from Debian's asterisk-core-sounds packages of the host."""
    sounds = layout.datadir / "sounds"
    for lang in ("fr", "en_US"):
        system = Path("/usr/share/asterisk/sounds") / lang
        target = sounds / lang
        if system.is_dir() and not target.exists() and sounds.is_dir():
            target.symlink_to(system)


ROLES = ("single", "media", "queue")


def check_role(settings: Settings) -> None:
    """A cluster role needs its peers' addresses: refuse to render a media node with nowhere to send callers."""
    a = settings.asterisk
    if a.role not in ROLES:
        raise ConfigError(f"asterisk.role must be one of {', '.join(ROLES)}, not {a.role!r}")
    if a.role == "media" and not a.queue_node:
        raise ConfigError("asterisk.role = media needs asterisk.queue_node (the queue node's host:port)")
    if a.role == "queue" and not a.media_nodes:
        raise ConfigError("asterisk.role = queue needs asterisk.media_nodes (the media nodes' addresses)")


def template_context(settings: Settings, layout: AsteriskLayout) -> dict[str, Any]:
    """Everything the templates can use."""
    check_role(settings)
    services = service_ids(settings)
    members = queue_members(settings, services)
    a = settings.asterisk
    return {
        "run": str(layout.run),
        "prefix": str(layout.prefix),
        "moddir": str(layout.moddir),
        "datadir": str(layout.datadir),
        "modules": MODULES,
        "bind": a.bind,
        "sip_port": a.sip_port,
        "ari_port": a.ari_port,
        "ami_port": a.ami_port,
        "app": a.app,
        "did": a.did,
        "ari_user": a.ari_user,
        "ari_password": settings.secrets.ari_password,
        "ami_user": a.ami_user,
        "ami_password": settings.secrets.ami_password,
        "agent_passwords": {e: endpoint_password(settings.secrets, e)
                            for a_ in a.agents for e in (a_, f"web-{a_}")},
        "agent_networks": a.agent_networks,
        "ami_networks": a.ami_networks,
        "sip_bind": a.sip_bind or a.bind,
        "tls_port": a.tls_port,
        "agents": a.agents,
        "trunk_match": a.trunk_match,
        "trunk_contact": a.trunk_contact,
        "fallback_queue": a.fallback_queue,
        "role": a.role,
        "queue_node": a.queue_node,
        "media_nodes": a.media_nodes,
        "queue_timeout": a.queue_timeout_s,
        "queues": [{"name": s, "members": members[s]} for s in services],
        "periodic_announce": a.queue_periodic_announce,
        "moh_dir": str(layout.run / "moh"),
        "rtp_start": a.rtp_start,
        "rtp_end": a.rtp_end,
        "web_host": settings.web.host,
        "web_port": settings.web.port,
    }


def render_config(settings: Settings, template_dirs: list[Path] | None = None) -> AsteriskLayout:
    """Render every ``*.j2`` template into ``<home>/asterisk/etc`` and prepare writable dirs."""
    layout = layout_for(settings)
    dirs = template_dirs or [settings.paths.asterisk_conf_dir, settings.paths.dialplans_dir]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # Asterisk config, not HTML
    )
    ctx = template_context(settings, layout)
    a = settings.asterisk
    tls = (TlsFiles(Path(a.tls_cert), Path(a.tls_key)) if a.tls_cert and a.tls_key
           else ensure_self_signed(settings.paths.home / "tls", a.bind))
    ctx["tls_cert"], ctx["tls_key"] = str(tls.cert), str(tls.key)
    for sub in ("etc", "lib", "spool", "run", "log", "moh"):
        (layout.run / sub).mkdir(parents=True, exist_ok=True)
    make_hold_music(layout.run / "moh")
    (layout.run / "lib" / "keys").mkdir(exist_ok=True)
    _link_system_sounds(layout)
    # The dialplan is editable from the web: rendered in the sandbox, and it never sees a secret.
    dialplan_env = sandbox.environment(jinja2.FileSystemLoader([str(settings.paths.dialplans_dir)]))
    public = sandbox.public_context(ctx)
    for d in dirs:
        editable = d.resolve() == settings.paths.dialplans_dir.resolve()
        for tpl in sorted(d.glob("*.j2")):
            out = layout.etc / tpl.name.removesuffix(".j2")
            text = (dialplan_env.get_template(tpl.name).render(**public) if editable
                    else env.get_template(tpl.name).render(**ctx))
            tmp = out.with_suffix(out.suffix + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.chmod(0o600)
            tmp.replace(out)
    return layout
