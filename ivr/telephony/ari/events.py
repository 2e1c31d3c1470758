"""ARI events, parsed from JSON at the edge into frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.errors import TelephonyError


class AriProtocolError(TelephonyError):
    """ARI sent something we cannot parse."""

    code = "ari_protocol"
    retryable = False


@dataclass(frozen=True, slots=True)
class Channel:
    """The parts of an ARI channel the bot uses."""

    id: str
    name: str
    state: str
    caller_number: str
    caller_name: str
    exten: str
    context: str

    @classmethod
    def parse(cls, raw: Any) -> Channel:
        """Parse a channel object."""
        if not isinstance(raw, dict) or "id" not in raw:
            raise AriProtocolError(f"not a channel: {raw!r:.200}")
        caller = raw.get("caller") or {}
        dialplan = raw.get("dialplan") or {}
        return cls(
            id=str(raw["id"]),
            name=str(raw.get("name", "")),
            state=str(raw.get("state", "")),
            caller_number=str(caller.get("number", "")),
            caller_name=str(caller.get("name", "")),
            exten=str(dialplan.get("exten", "")),
            context=str(dialplan.get("context", "")),
        )


@dataclass(frozen=True, slots=True)
class StasisStart:
    """A channel entered our application."""

    channel: Channel
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StasisEnd:
    """A channel left our application."""

    channel: Channel


@dataclass(frozen=True, slots=True)
class ChannelDtmfReceived:
    """A keypad digit."""

    channel: Channel
    digit: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class ChannelHangupRequest:
    """Someone asked to hang the channel up."""

    channel: Channel
    cause: int


@dataclass(frozen=True, slots=True)
class ChannelDestroyed:
    """The channel is gone."""

    channel: Channel
    cause: int


@dataclass(frozen=True, slots=True)
class ChannelStateChange:
    """Ringing, Up..."""

    channel: Channel


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    """A playback ended (done, stopped or failed)."""

    playback_id: str
    target_uri: str
    state: str


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """An event type the bot does not use."""

    type: str
    channel_id: str | None


AriEvent = (
    StasisStart
    | StasisEnd
    | ChannelDtmfReceived
    | ChannelHangupRequest
    | ChannelDestroyed
    | ChannelStateChange
    | PlaybackFinished
    | UnknownEvent
)


def parse_event(raw: Any) -> AriEvent:
    """Turn one decoded websocket message into a typed event."""
    if not isinstance(raw, dict) or "type" not in raw:
        raise AriProtocolError(f"not an ARI event: {raw!r:.200}")
    kind = str(raw["type"])
    if kind == "StasisStart":
        return StasisStart(Channel.parse(raw.get("channel")), tuple(str(a) for a in raw.get("args", [])))
    if kind == "StasisEnd":
        return StasisEnd(Channel.parse(raw.get("channel")))
    if kind == "ChannelDtmfReceived":
        return ChannelDtmfReceived(
            Channel.parse(raw.get("channel")), str(raw.get("digit", "")), int(raw.get("duration_ms", 0))
        )
    if kind == "ChannelHangupRequest":
        return ChannelHangupRequest(Channel.parse(raw.get("channel")), int(raw.get("cause", 0)))
    if kind == "ChannelDestroyed":
        return ChannelDestroyed(Channel.parse(raw.get("channel")), int(raw.get("cause", 0)))
    if kind == "ChannelStateChange":
        return ChannelStateChange(Channel.parse(raw.get("channel")))
    if kind == "PlaybackFinished":
        pb = raw.get("playback") or {}
        return PlaybackFinished(str(pb.get("id", "")), str(pb.get("target_uri", "")), str(pb.get("state", "")))
    channel = raw.get("channel")
    return UnknownEvent(kind, str(channel["id"]) if isinstance(channel, dict) and "id" in channel else None)


def event_channel_id(event: AriEvent) -> str | None:
    """The channel an event is about, if any."""
    if isinstance(event, UnknownEvent):
        return event.channel_id
    if isinstance(event, PlaybackFinished):
        prefix = "channel:"
        return event.target_uri[len(prefix):] if event.target_uri.startswith(prefix) else None
    return event.channel.id
