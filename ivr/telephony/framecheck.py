"""Which AudioSocket frames to trust: a pure check, tested without a socket.

A frame with an odd audio length or a type we do not know is **dropped** (20 ms of one missing frame is not
heard). A run of malformed frames means the media path is broken: the connection reports it, and the call goes
to a person instead of sitting in silence. 25 in a row is half a second of audio: longer than any glitch seen
on a healthy link, short enough that the caller is moved before wondering whether anyone is there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_SLIN8 = 0x10
KIND_SLIN16 = 0x12
KIND_ERROR = 0xFF

AUDIO_RATES = {KIND_SLIN8: 8000, KIND_SLIN16: 16000}
MAX_MALFORMED_IN_A_ROW = 25


class Verdict(enum.Enum):
    """What to do with one frame."""

    AUDIO = "audio"
    END = "end"  # hang-up or error from Asterisk
    IGNORE = "ignore"  # known, not audio (a late UUID, a DTMF frame: digits travel as ARI events)
    DROP = "drop"  # malformed: counted
    BROKEN = "broken"  # too many malformed in a row: the media path is not usable


@dataclass
class FrameCheck:
    """Counts malformed frames; one good audio frame resets the run."""

    max_in_a_row: int = MAX_MALFORMED_IN_A_ROW
    dropped: int = 0
    in_a_row: int = 0

    def check(self, kind: int, payload: bytes) -> Verdict:
        """The verdict for one frame."""
        if kind in AUDIO_RATES:
            if len(payload) % 2 == 0 and payload:
                self.in_a_row = 0
                return Verdict.AUDIO
        elif kind in (KIND_HANGUP, KIND_ERROR):
            return Verdict.END
        elif kind in (KIND_UUID, KIND_DTMF):
            return Verdict.IGNORE
        self.dropped += 1
        self.in_a_row += 1
        return Verdict.BROKEN if self.in_a_row >= self.max_in_a_row else Verdict.DROP
