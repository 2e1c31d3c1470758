"""Media nodes on one machine: each an Asterisk 22 + its bot, on its own loopback address.

On a real deployment each node is its own machine with the default ports; on one box (``ivr up --nodes N``,
the tests, the benchmarks) node *i* binds 127.0.0.(10+i), keeps the standard SIP/ARI/AMI/AudioSocket ports on
that address, and gets its own RTP range (Asterisk binds RTP on every address). Every node identifies the
edge's address as its trunk: only Kamailio talks to the nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ivr.config import Settings, load_settings, merge_layers

FIRST_NODE_OCTET = 11
RTP_BLOCK = 1000


def node_address(index: int) -> str:
    """Loopback address of media node ``index`` (0-based): 127.0.0.11, 127.0.0.12 and so on."""
    return f"127.0.0.{FIRST_NODE_OCTET + index}"


def node_layer(index: int, edge_address: str, *, rtp_base: int = 20000) -> dict[str, Any]:
    """The settings that make node ``index`` distinct on a shared machine."""
    address = node_address(index)
    rtp = rtp_base + index * RTP_BLOCK
    return {
        "asterisk": {
            "bind": address,
            "audiosocket_host": address,
            "trunk_match": [edge_address],
            "rtp_start": rtp,
            "rtp_end": rtp + RTP_BLOCK - 1,
        },
    }


def node_settings(home: Path, index: int, edge_address: str, extra: dict[str, Any] | None = None) -> Settings:
    """Settings of media node ``index`` rooted at ``home`` (its own Asterisk run dir, same database URL)."""
    layer = merge_layers(node_layer(index, edge_address), extra or {})
    layer = merge_layers(layer, {"paths": {"home": str(home)}})
    return load_settings(layer)


def node_sip_uri(settings: Settings) -> str:
    """Where the edge sends calls for this node."""
    a = settings.asterisk
    return f"sip:{a.sip_bind or a.bind}:{a.sip_port}"
