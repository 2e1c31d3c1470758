"""The queue node: one Asterisk holding the queues, where the agents' phones register.

Media nodes hand a caller over by a SIP call to it (``asterisk.role = "media"``, ``asterisk.queue_node``)
with the call id and the summary in headers; it identifies them by address (``asterisk.role = "queue"``,
``asterisk.media_nodes``) and enters ``Queue()``. It runs no bot: everything a call needs after the handover
travels in the headers or sits in the shared database under that call id. On one box (``ivr up --nodes N``)
it binds 127.0.0.10, next to the media nodes on .11, .12, … with an RTP range below theirs.
"""

from __future__ import annotations

from typing import Any

from ivr.cluster.nodes import RTP_BLOCK, node_address

QUEUE_NODE_ADDRESS = "127.0.0.10"


def queue_node_layer(edge_address: str, media_nodes: int, *, rtp_base: int = 20000) -> dict[str, Any]:
    """The settings of the queue node: its address, its peers, its own RTP range."""
    rtp = rtp_base - RTP_BLOCK
    return {
        "asterisk": {
            "role": "queue",
            "bind": QUEUE_NODE_ADDRESS,
            "audiosocket_host": QUEUE_NODE_ADDRESS,
            "trunk_match": [edge_address],
            "media_nodes": [node_address(i) for i in range(media_nodes)],
            "rtp_start": rtp,
            "rtp_end": rtp + RTP_BLOCK - 1,
        },
    }


def media_role_layer(queue_node: str) -> dict[str, Any]:
    """What turns a node into a media node: its ``ivr-queue`` and ``ivr-fallback`` dial ``queue_node``."""
    return {"asterisk": {"role": "media", "queue_node": queue_node}}
