r"""AMI wire messages and the typed queue events the dashboards use.

A message is parsed from the raw bytes of one ``\\r\\n\\r\\n``-terminated block, decoded as a whole (so a
UTF-8 character split across two TCP reads survives), keeping repeated headers (``Output``) and empty values.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.errors import AmiError


@dataclass(frozen=True, slots=True)
class AmiMessage:
    """One AMI message: its headers in wire order (names as sent, repeated names kept)."""

    headers: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str = "") -> str:
        """Return the first value of header ``name`` (case-insensitive)."""
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        """Return every value of header ``name``, in order."""
        low = name.lower()
        return [v for k, v in self.headers if k.lower() == low]

    def has(self, name: str) -> bool:
        """Tell whether header ``name`` is present (even with an empty value)."""
        low = name.lower()
        return any(k.lower() == low for k, _ in self.headers)

    @property
    def event(self) -> str:
        """The event name ('' for responses)."""
        return self.get("Event")

    @property
    def action_id(self) -> str:
        """The ``ActionID`` this message answers ('' for unsolicited events)."""
        return self.get("ActionID")


def parse_message(raw: bytes) -> AmiMessage:
    """Parse one message block (without its terminating blank line).

    Lines without a colon (the body of an old-style ``Response: Follows``) become ``Output`` headers.
    """
    text = raw.decode("utf-8", errors="replace")
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        if line == "":
            continue
        key, sep, value = line.partition(":")
        if not sep or " " in key.strip():
            if line.strip() != "--END COMMAND--":
                headers.append(("Output", line))
            continue
        headers.append((key.strip(), value[1:] if value.startswith(" ") else value))
    return AmiMessage(tuple(headers))


def encode_action(name: str, action_id: str, headers: dict[str, str | list[str]]) -> bytes:
    """Encode an action; list values repeat the header (e.g. ``Variable``)."""
    lines = [f"Action: {name}", f"ActionID: {action_id}"]
    for key, value in headers.items():
        for item in value if isinstance(value, list) else [value]:
            if "\r" in item or "\n" in item:
                raise AmiError(f"AMI header {key} contains a line break")
            lines.append(f"{key}: {item}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _int(msg: AmiMessage, name: str) -> int:
    try:
        return int(msg.get(name, "0") or 0)
    except ValueError:
        return 0


def _bool(msg: AmiMessage, name: str) -> bool:
    return msg.get(name).strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True, slots=True)
class QueueCallerJoin:
    """A caller entered a queue."""

    queue: str
    channel: str
    unique_id: str
    caller_num: str
    caller_name: str
    position: int
    count: int


@dataclass(frozen=True, slots=True)
class QueueCallerLeave:
    """A caller left a queue (answered, or moved on)."""

    queue: str
    channel: str
    unique_id: str
    position: int
    count: int


@dataclass(frozen=True, slots=True)
class QueueCallerAbandon:
    """A caller hung up while waiting."""

    queue: str
    channel: str
    unique_id: str
    position: int
    original_position: int
    hold_time: int
    ivr_call_id: str = ""
    """The IVR call's id, inherited by the caller's channel (``IVR_CALL_ID``, ``manager.conf`` ``channelvars``)."""


@dataclass(frozen=True, slots=True)
class QueueMemberStatus:
    """An agent's state in a queue changed (also sent by ``QueueStatus`` as ``QueueMember``)."""

    queue: str
    interface: str
    member_name: str
    status: int
    """Device state: 1 free, 2 in use, 3 busy, 4 invalid, 5 unavailable, 6 ringing, 7 ringing in use,
    8 on hold."""
    paused: bool
    in_call: bool
    calls_taken: int


@dataclass(frozen=True, slots=True)
class QueueMemberRemoved:
    """An agent left a queue."""

    queue: str
    interface: str
    member_name: str


@dataclass(frozen=True, slots=True)
class AgentConnect:
    """An agent answered a queued caller."""

    queue: str
    interface: str
    member_name: str
    channel: str
    unique_id: str
    hold_time: int
    ring_time: int
    ivr_call_id: str = ""
    """The IVR call's id on the caller's channel (``IVR_CALL_ID``): how a queue node, which runs no bot and
    whose channels are not the ones the call was stored with, names the call."""


@dataclass(frozen=True, slots=True)
class QueueParams:
    """One queue's figures from ``QueueStatus``."""

    queue: str
    calls: int
    hold_time: int
    completed: int
    abandoned: int


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One waiting caller from ``QueueStatus``."""

    queue: str
    channel: str
    unique_id: str
    caller_num: str
    caller_name: str
    position: int
    wait: int


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """One queue's summary from ``QueueSummary``."""

    queue: str
    logged_in: int
    available: int
    callers: int
    hold_time: int
    longest_hold_time: int


QueueEvent = (
    QueueCallerJoin | QueueCallerLeave | QueueCallerAbandon | QueueMemberStatus | QueueMemberRemoved
    | AgentConnect | QueueParams | QueueEntry | QueueSummary
)


def _call_id(msg: AmiMessage) -> str:
    """The caller channel's ``IVR_CALL_ID`` (``ChanVariable: IVR_CALL_ID=…``; the agent's is ``DestChanVariable``)."""
    for value in msg.get_all("ChanVariable"):
        name, _, var = value.partition("=")
        if name.strip().lstrip("_") == "IVR_CALL_ID":
            return var.strip()
    return ""


def _member(msg: AmiMessage) -> QueueMemberStatus:
    return QueueMemberStatus(
        queue=msg.get("Queue"),
        interface=msg.get("Interface") or msg.get("Location") or msg.get("StateInterface"),
        member_name=msg.get("MemberName") or msg.get("Name"),
        status=_int(msg, "Status"),
        paused=_bool(msg, "Paused"),
        in_call=_bool(msg, "InCall"),
        calls_taken=_int(msg, "CallsTaken"),
    )


def parse_queue_event(msg: AmiMessage) -> QueueEvent | None:
    """Return the typed event for a queue-related AMI event, ``None`` for anything else."""
    name = msg.event
    q, ch, uid = msg.get("Queue"), msg.get("Channel"), msg.get("Uniqueid")
    if name == "QueueCallerJoin":
        return QueueCallerJoin(q, ch, uid, msg.get("CallerIDNum"), msg.get("CallerIDName"),
                               _int(msg, "Position"), _int(msg, "Count"))
    if name == "QueueCallerLeave":
        return QueueCallerLeave(q, ch, uid, _int(msg, "Position"), _int(msg, "Count"))
    if name == "QueueCallerAbandon":
        return QueueCallerAbandon(q, ch, uid, _int(msg, "Position"), _int(msg, "OriginalPosition"),
                                  _int(msg, "HoldTime"), _call_id(msg))
    if name in {"QueueMemberStatus", "QueueMember", "QueueMemberAdded", "QueueMemberPause"}:
        return _member(msg)
    if name == "QueueMemberRemoved":
        return QueueMemberRemoved(q, msg.get("Interface"), msg.get("MemberName"))
    if name == "AgentConnect":
        return AgentConnect(q, msg.get("Interface"), msg.get("MemberName"), ch, uid,
                            _int(msg, "HoldTime"), _int(msg, "RingTime"), _call_id(msg))
    if name == "QueueParams":
        return QueueParams(q, _int(msg, "Calls"), _int(msg, "Holdtime"), _int(msg, "Completed"),
                           _int(msg, "Abandoned"))
    if name == "QueueEntry":
        return QueueEntry(q, ch, uid, msg.get("CallerIDNum"), msg.get("CallerIDName"),
                          _int(msg, "Position"), _int(msg, "Wait"))
    if name == "QueueSummary":
        return QueueSummary(q, _int(msg, "LoggedIn"), _int(msg, "Available"), _int(msg, "Callers"),
                            _int(msg, "HoldTime"), _int(msg, "LongestHoldTime"))
    return None
