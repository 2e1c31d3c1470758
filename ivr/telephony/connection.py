"""The media path between a call and Python, behind one interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from ivr.audio.frame import AudioFrame


class MediaConnection(Protocol):
    """Caller audio in, bot audio out, in the internal format (PCM16 LE mono 16 kHz)."""

    def frames(self) -> AsyncIterator[AudioFrame]:
        """Caller audio as it arrives; ends when the call's media ends."""
        ...

    async def send(self, pcm: bytes) -> None:
        """Send bot audio (any length; the transport frames it)."""
        ...

    async def aclose(self) -> None:
        """Close the media path."""
        ...

    @property
    def closed(self) -> bool:
        """Whether the media path is gone."""
        ...
