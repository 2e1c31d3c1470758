"""Callbacks on a media node: the free agent is the queue node's, and so is the phone that rings.

On one box the dialer asks its own Asterisk which agent's phone is online and idle, and rings
``PJSIP/<agent>``. A media node has no agent: the phones register on the queue node. So a media node asks the
queue node's AMI (``QueueStatus`` of the service's queue: registered, not in a call, not paused), and rings the
agent through the queue-node trunk, ``PJSIP/callback-<agent>@ivr-queue-node``; the queue node's
``from-media-nodes`` holds one explicit ``callback-<agent>`` extension per configured agent, which dials that
phone (a pattern would let a media node ring anything). Everything else stays as on one box: the leg is the
media node's own ARI channel, it is answered when the agent answers, the agent hears the intro played there,
then the media node dials the citizen through its trunk and bridges the two. The claim on the request is the
scheduler's conditional UPDATE, unchanged: exactly one node dials it.

Two nodes may pick the same free agent for two different requests in the same second: the second ring finds
the phone busy, which is ``agent unavailable`` (not an attempt), and that request waits for the next pass.
"""

from __future__ import annotations

import logging

from ivr.config import Settings
from ivr.errors import AmiError
from ivr.telephony.ami import AmiClient, QueueStatusResult

CALLBACK_EXTEN_PREFIX = "callback-"
"""The queue node's extension that rings one agent for a media node's callback (``callback-agent2``)."""
QUEUE_NODE_ENDPOINT = "ivr-queue-node"
"""The media node's PJSIP endpoint for the queue node (``asterisk-conf/pjsip.conf.j2``)."""
FREE = 1
"""Device state ``AST_DEVICE_NOT_INUSE``: registered and not in a call."""

log = logging.getLogger(__name__)


def free_member(status: QueueStatusResult, service: str) -> str | None:
    """The first agent of ``service``'s queue who can take a call now (its PJSIP endpoint name)."""
    for member in status.members:
        if member.queue == service and member.status == FREE and not member.paused:
            return member.interface.removeprefix("PJSIP/")
    return None


def queue_node_ami(settings: Settings) -> AmiClient:
    """An AMI client for the queue node.

    Its host comes from ``asterisk.queue_node``; port and credentials are this node's own (a cluster's
    Asterisks share the port numbers and the one ``secrets.toml``).
    """
    a = settings.asterisk
    host = a.queue_node.rpartition(":")[0] or a.queue_node
    return AmiClient(host, a.ami_port, a.ami_user, settings.secrets.ami_password)


class QueueNodeAgents:
    """The agents a media node's callback dialer rings: the queue node's."""

    def __init__(self, ami: AmiClient) -> None:
        self._ami = ami

    async def free_agent(self, service: str) -> str | None:
        """A free agent of ``service`` on the queue node (None also when the queue node cannot be asked)."""
        if not self._ami.connected:
            return None
        try:
            status = await self._ami.queue_status(service)
        except AmiError as exc:  # the queue node went away mid-question: no agent now, the next pass asks again
            log.warning("callback: the queue node's AMI did not answer: %s", exc.message)
            return None
        return free_member(status, service)

    @staticmethod
    def endpoint(agent: str) -> str:
        """What the media node dials to ring ``agent`` on the queue node."""
        return f"PJSIP/{CALLBACK_EXTEN_PREFIX}{agent}@{QUEUE_NODE_ENDPOINT}"
