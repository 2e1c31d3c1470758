"""Side services attached to the bot process: persistence, SMS outbox, callbacks, web (filled as they land)."""

from __future__ import annotations

from typing import Any


async def attach_side_services(bot: Any) -> Any:
    """Start the store sink, SMS outbox and callback scheduler; returns the calls' ``CallActions``."""
    return None


def attach_router_handlers(bot: Any) -> None:
    """Register extra Stasis entry points (callback dialer legs)."""
    return None
