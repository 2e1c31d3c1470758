"""Callbacks placed through ARI: the agent answers first and hears the summary, then the citizen is dialled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ivr.actions.callbacks import CallbackOutcome
from ivr.audio.frame import BYTES_PER_SECOND
from ivr.cluster.callback_agents import QueueNodeAgents
from ivr.config import Settings
from ivr.errors import AriError
from ivr.store.records import CallbackRecord
from ivr.telephony.ari.client import AriClient
from ivr.telephony.ari.events import (
    AriEvent,
    ChannelDestroyed,
    ChannelHangupRequest,
    ChannelStateChange,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
)
from ivr.telephony.asterisk.render import queue_members

log = logging.getLogger(__name__)

INTRO_CAP_S = 12.0
"""The citizen is dialled after at most this much of the intro (a long summary goes on playing meanwhile)."""
INTRO_GRACE_S = 5.0
"""How long past the intro's length Asterisk may take to report its end (a loaded machine starts it late);
the wait ends at the PlaybackFinished event, so this only matters when the event never comes."""
_ENDED = (ChannelDestroyed, ChannelHangupRequest, StasisEnd)
STASIS_WAIT_S = 5.0
"""How long a created leg may take to enter the app before it is given up (a loaded Asterisk is slow)."""


def trunk_number(e164: str) -> str:
    """The number as dialled on a French trunk: national format for +33, international prefix 00 otherwise."""
    if e164.startswith("+33"):
        return "0" + e164[3:]
    return "00" + e164[1:] if e164.startswith("+") else e164


class AriCallbackDialer:
    """Implements ``CallbackDialer`` on the live Asterisk."""

    def __init__(self, settings: Settings, ari: AriClient, router: Any, tts: Any, *, ring_s: int = 25,
                 agents: QueueNodeAgents | None = None) -> None:
        self.settings = settings
        self.ari = ari
        self.router = router
        self.tts = tts
        self.ring_s = ring_s
        self.agents = agents
        """A cluster's media node: the agents are the queue node's (``ivr/cluster/callback_agents.py``)."""
        self.transient_dir = settings.paths.home / "transient-voice"
        """Callback intros (personal data) live here only while they play; leftovers of a crash go now."""
        if self.transient_dir.is_dir():
            for stale in self.transient_dir.glob("*"):
                stale.unlink(missing_ok=True)

    async def free_agent(self, service: str) -> str | None:
        """An agent of ``service`` whose phone is registered and not in a call."""
        if self.agents is not None:
            return await self.agents.free_agent(service)
        # the members of the service's queue, exactly as rendered into queues.conf
        for agent in queue_members(self.settings, [service])[service]:
            with contextlib.suppress(AriError):
                ep = await self.ari.endpoint("PJSIP", agent)
                if ep.get("state") == "online" and not ep.get("channel_ids"):
                    return agent
        return None

    async def agents_free(self, service: str) -> bool:
        """Whether someone can take a callback for ``service`` now."""
        return await self.free_agent(service) is not None

    async def _leg(
        self, endpoint: str, kind: str, cb: CallbackRecord, caller_id: str
    ) -> tuple[str, asyncio.Queue[AriEvent]] | None:
        """Create and dial one leg (already in our app); return it once answered, or None."""
        channel_id = f"cb-{kind}-{cb.id}-{uuid.uuid4().hex[:8]}"
        events = self.router.watch(channel_id)
        try:
            await self.ari.create_channel(endpoint, app_args=f"callback-{kind},{cb.id}", channel_id=channel_id)
            # the create request returns before the channel is in the app; dialling it earlier is refused
            # (409 "Channel not in Stasis application")
            if not await entered_app(events, STASIS_WAIT_S):
                raise AriError(f"channel {channel_id} did not enter the app within {STASIS_WAIT_S:g} s")
            with contextlib.suppress(AriError):
                await self.ari.set_variable(channel_id, "CALLERID(all)", caller_id)
            await self.ari.dial(channel_id, timeout=self.ring_s)
        except AriError as exc:
            log.warning("callback %s: %s leg failed: %s", cb.id, kind, exc.message)
            self.router.unwatch(channel_id)
            await self.ari.hangup(channel_id)
            return None
        if await next_of(events, _answered, self.ring_s + 5):
            return channel_id, events
        await self.ari.hangup(channel_id)
        self.router.unwatch(channel_id)
        return None

    async def dial(self, cb: CallbackRecord) -> CallbackOutcome:
        """One attempt."""
        agent = await self.free_agent(cb.service)
        if agent is None:
            return CallbackOutcome.AGENT_UNAVAILABLE
        did = self.settings.asterisk.did
        endpoint = self.agents.endpoint(agent) if self.agents is not None else f"PJSIP/{agent}"
        agent_leg = await self._leg(endpoint, "agent", cb, f'"Rappel {cb.service}" <{did}>')
        if agent_leg is None:
            return CallbackOutcome.AGENT_UNAVAILABLE
        agent_id, agent_events = agent_leg
        citizen_id = ""
        bridge_id = ""
        intro_path: Path | None = None
        try:
            intro = f"Rappel demandé. {cb.summary}" if cb.lang == "fr" else f"Callback requested. {cb.summary}"
            # the summary holds the citizen's name and words: a throw-away file, never the voice cache
            path = intro_path = await self.tts.render_transient(intro, "fr", self.transient_dir)
            playback_id = f"cb-intro-{cb.id}-{uuid.uuid4().hex[:8]}"
            with contextlib.suppress(AriError):
                await self.ari.play(agent_id, f"sound:{path.with_suffix('')}", playback_id=playback_id)
            pcm_seconds = path.stat().st_size / BYTES_PER_SECOND
            wait_s = pcm_seconds + INTRO_GRACE_S if pcm_seconds <= INTRO_CAP_S else INTRO_CAP_S
            if not await intro_heard(agent_events, playback_id, wait_s):
                log.info("callback %s: the agent hung up during the intro; the citizen is not dialled", cb.id)
                return CallbackOutcome.AGENT_UNAVAILABLE
            citizen_leg = await self._leg(
                f"PJSIP/{trunk_number(cb.number)}@trunk", "citizen", cb, f"Mairie <{did}>"
            )
            if citizen_leg is None:
                return CallbackOutcome.NO_ANSWER
            citizen_id, citizen_events = citizen_leg
            bridge_id = await self.ari.create_bridge("mixing")
            await self.ari.add_to_bridge(bridge_id, agent_id)
            await self.ari.add_to_bridge(bridge_id, citizen_id)
            log.info("callback %s connected", cb.id)
            await _first_end(agent_events, citizen_events)
            return CallbackOutcome.COMPLETED
        except AriError:
            return CallbackOutcome.FAILED
        finally:
            for ch in (agent_id, citizen_id):
                if ch:
                    await self.ari.hangup(ch)
                    self.router.unwatch(ch)
            if bridge_id:
                await self.ari.destroy_bridge(bridge_id)
            if intro_path is not None:
                intro_path.unlink(missing_ok=True)


async def next_of(events: asyncio.Queue[AriEvent], wanted: Callable[[AriEvent], bool],
                  wait_s: float) -> bool | None:
    """Read a leg's events until one is ``wanted`` (True), the leg ends (False) or ``wait_s`` passes (None)."""
    try:
        async with asyncio.timeout(wait_s):
            while True:
                ev = await events.get()
                channel = getattr(ev, "channel", None)  # its id names the callback and the leg: cb-agent-7-…
                log.debug("callback leg %s: %s %s", getattr(channel, "id", "?"), type(ev).__name__,
                          getattr(channel, "state", ""))
                if wanted(ev):
                    return True
                if isinstance(ev, _ENDED):
                    return False
    except TimeoutError:
        return None


def _answered(ev: AriEvent) -> bool:
    return isinstance(ev, ChannelStateChange) and ev.channel.state == "Up"


async def entered_app(events: asyncio.Queue[AriEvent], wait_s: float) -> bool:
    """Wait on a created leg's events for its StasisStart: False if it ends first or ``wait_s`` passes."""
    return await next_of(events, lambda ev: isinstance(ev, StasisStart), wait_s) is True


async def intro_heard(events: asyncio.Queue[AriEvent], playback_id: str, wait_s: float) -> bool:
    """Wait on the agent leg's events until the intro has played: True to go on and dial the citizen.

    Ends at the intro's PlaybackFinished (not after its length by the wall clock: a loaded Asterisk starts
    playing late, and the citizen would be dialled while the agent still hears who they are calling), or
    after ``wait_s``: a long intro goes on playing while the citizen's phone rings, and a failed play request
    never sends the event. False when the agent hangs up first: ringing the citizen then would reach nobody.
    """
    def finished(ev: AriEvent) -> bool:
        return isinstance(ev, PlaybackFinished) and ev.playback_id == playback_id

    return await next_of(events, finished, wait_s) is not False


async def _first_end(*queues: asyncio.Queue[AriEvent]) -> None:
    async def ended(q: asyncio.Queue[AriEvent]) -> None:
        while not isinstance(await q.get(), _ENDED):
            pass

    tasks = [asyncio.create_task(ended(q)) for q in queues]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
