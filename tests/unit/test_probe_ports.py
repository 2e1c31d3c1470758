"""Ports for the harness's processes are chosen where no outgoing connection can take them first."""

from __future__ import annotations

import socket

from ivr.probe import ports


def test_ranges_avoid_the_ephemeral_range_and_the_labs_rtp() -> None:
    got = ports.candidate_ranges((32768, 60999))
    assert got == [range(61000, 65536)]  # below 32768 sits the labs' RTP, nothing above LOW_FLOOR
    wide = ports.candidate_ranges((49152, 60999))
    assert wide == [range(ports.LOW_FLOOR, 49152), range(61000, 65536)]
    assert ports.candidate_ranges((1024, 65535)) == []


def test_a_free_port_is_outside_the_ephemeral_range_free_for_both_protocols_and_not_repeated() -> None:
    low, high = ports.ephemeral_range()
    seen = set()
    for _ in range(50):
        port = ports.free_port("127.0.0.1", socket.SOCK_DGRAM)
        assert not low <= port <= high
        assert port not in seen
        seen.add(port)
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind(("127.0.0.1", port))


def test_a_port_taken_on_one_protocol_is_not_handed_out(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        taken = held.getsockname()[1]
        monkeypatch.setattr(ports, "candidate_ranges", lambda _: [range(taken, taken + 1)])
        ports._recent.clear()
        # UDP is free on that port, TCP is not: never handed out (the kernel's choice instead)
        assert ports.free_port("127.0.0.1", socket.SOCK_DGRAM, attempts=20) != taken
