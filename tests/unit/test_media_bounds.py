"""Malformed AudioSocket frames are dropped; a call's inbox is bounded without losing the hang-up.

Issue 11 item 12: a run of malformed frames means a person takes the call; a keypad flood cannot grow the inbox.
"""

from __future__ import annotations

import asyncio

from ivr.call.inbox import Inbox
from ivr.telephony.framecheck import (
    KIND_DTMF,
    KIND_ERROR,
    KIND_HANGUP,
    KIND_SLIN8,
    KIND_SLIN16,
    KIND_UUID,
    MAX_MALFORMED_IN_A_ROW,
    FrameCheck,
    Verdict,
)

GOOD = b"\x01\x00" * 320


def test_good_audio_passes_and_odd_lengths_or_unknown_types_are_dropped() -> None:
    check = FrameCheck()
    assert check.check(KIND_SLIN16, GOOD) is Verdict.AUDIO
    assert check.check(KIND_SLIN8, GOOD[:320]) is Verdict.AUDIO
    assert check.check(KIND_SLIN16, GOOD[:-1]) is Verdict.DROP  # odd length: not whole samples
    assert check.check(KIND_SLIN16, b"") is Verdict.DROP
    assert check.check(0x42, GOOD) is Verdict.DROP  # a type nobody defined
    assert check.dropped == 3
    assert check.check(KIND_UUID, b"\x00" * 16) is Verdict.IGNORE
    assert check.check(KIND_DTMF, b"5") is Verdict.IGNORE
    assert check.check(KIND_HANGUP, b"") is Verdict.END
    assert check.check(KIND_ERROR, b"\x01") is Verdict.END


def test_a_run_of_malformed_frames_breaks_the_stream_and_one_good_frame_resets_it() -> None:
    check = FrameCheck()
    for _ in range(MAX_MALFORMED_IN_A_ROW - 1):
        assert check.check(0x42, b"x") is Verdict.DROP
    assert check.check(KIND_SLIN16, GOOD) is Verdict.AUDIO  # a glitch, not a broken path
    verdicts = [check.check(KIND_SLIN16, b"odd") for _ in range(MAX_MALFORMED_IN_A_ROW)]
    assert verdicts[:-1] == [Verdict.DROP] * (MAX_MALFORMED_IN_A_ROW - 1)
    assert verdicts[-1] is Verdict.BROKEN


async def test_inbox_drops_a_flood_but_never_the_hang_up() -> None:
    inbox: Inbox[str] = Inbox(maxsize=4)
    accepted = [inbox.put(f"digit{i}") for i in range(10)]
    assert accepted == [True] * 4 + [False] * 6
    assert len(inbox) == 4 and inbox.dropped == 6
    assert inbox.put("hangup", essential=True) is True  # pushes out the oldest digit
    got = [await inbox.get() for _ in range(4)]
    assert got == ["digit1", "digit2", "digit3", "hangup"]


async def test_inbox_get_waits_for_an_input() -> None:
    inbox: Inbox[str] = Inbox()
    waiter = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not waiter.done()
    inbox.put("1")
    assert await asyncio.wait_for(waiter, 1) == "1"
