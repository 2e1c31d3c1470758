"""Asterisk REST Interface: a thin typed client on httpx + websockets."""

from ivr.telephony.ari.client import AriClient
from ivr.telephony.ari.events import (
    AriEvent,
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
    UnknownEvent,
    parse_event,
)

__all__ = [
    "AriClient",
    "AriEvent",
    "Channel",
    "ChannelDestroyed",
    "ChannelDtmfReceived",
    "ChannelHangupRequest",
    "PlaybackFinished",
    "StasisEnd",
    "StasisStart",
    "UnknownEvent",
    "parse_event",
]
