"""Free ports for the processes the harness starts (Asterisk, baresip, PostgreSQL, Kannel, web servers).

A port the kernel hands out for ``bind(0)`` comes from the ephemeral range, the same range it draws from for
every *outgoing* connection. Between the moment a free port is chosen and the moment the child process binds
it, any connection opened on the machine (a bot's pool reconnecting to PostgreSQL, AMI, ARI...) can take it,
and the child exits with "address in use". The cluster callback test's phone died that way at start, once in
several runs, while two nodes were busy opening connections. Ports are therefore chosen *outside* the
ephemeral range, where the kernel never puts an outgoing connection, and checked free for both UDP and TCP
(baresip listens for SIP on both).
"""

from __future__ import annotations

import random
import socket
from collections import deque
from pathlib import Path

RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL = (32768, 60999)
LOW_FLOOR = 41000
"""Below the ephemeral range, ports are used only from here up: the labs' RTP ranges live under it
(``ivr.testing.lab``: 20000-40390; the cluster's nodes: 19000 and up by blocks of 1000)."""
RECENT = 2000
"""Ports handed out lately by this process are not handed out again (the first may not be bound yet)."""

_recent: deque[int] = deque(maxlen=RECENT)
_rng = random.Random()


def ephemeral_range() -> tuple[int, int]:
    """The kernel's ephemeral port range (Linux; the usual default elsewhere)."""
    try:
        low, high = (int(v) for v in RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL
    return low, high


def candidate_ranges(ephemeral: tuple[int, int]) -> list[range]:
    """Port ranges outside ``ephemeral`` (and above the labs' RTP ranges), largest first."""
    low, high = ephemeral
    ranges = [range(high + 1, 65536), range(LOW_FLOOR, low)]
    return sorted((r for r in ranges if len(r) >= 100), key=len, reverse=True)


def bindable(host: str, port: int, kind: int) -> bool:
    """Whether ``port`` on ``host`` can be bound now for ``kind`` (``SOCK_STREAM`` or ``SOCK_DGRAM``)."""
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM, attempts: int = 500) -> int:
    """A port free on ``host`` for both UDP and TCP, outside the ephemeral range.

    ``kind`` says which protocol the caller needs (both are checked anyway). Falls back to the kernel's
    choice when no range outside the ephemeral one is usable.
    """
    ranges = candidate_ranges(ephemeral_range())
    for _ in range(attempts if ranges else 0):
        span = _rng.choice(ranges)
        port = _rng.randrange(span.start, span.stop)
        if port in _recent:
            continue
        if bindable(host, port, socket.SOCK_STREAM) and bindable(host, port, socket.SOCK_DGRAM):
            _recent.append(port)
            return port
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        port = int(s.getsockname()[1])
    _recent.append(port)
    return port
