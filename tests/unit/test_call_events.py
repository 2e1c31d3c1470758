"""The call event stream: typed events, one JSON form, fan-out to sinks and subscribers, privacy in logs."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from datetime import UTC, datetime
from typing import get_args

import pytest

from ivr.call import events as ce
from ivr.call.events import CallEvent, CallEvents, EventBody, EventHub, is_personal, payload
from ivr.clock import VirtualClock
from ivr.dialog import records as rec
from ivr.enums import Outcome, Speaker
from ivr.nlu.model import IntentKind
from ivr.nlu.types import Decision

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_private_data_stays_out_of_info_logs(caplog: pytest.LogCaptureFixture) -> None:
    hub = EventHub()
    events = CallEvents("c1", hub, VirtualClock().now)
    with caplog.at_level(logging.INFO, logger="ivr.call.events"):
        await events.emit(ce.Started(channel="PJSIP/trunk-1", number="0612345678"))
        await events.emit(ce.Transcript(Speaker.CALLER, "mon voisin Dupont me harcèle", 0.4))
        await events.emit(ce.Handoff("accueil", ce.HandoffReason.QUEUE, "« mon voisin Dupont me harcèle »"))
    logged = caplog.text
    assert "handoff" in logged and "accueil" in logged
    assert "Dupont" not in logged
    assert "0612345678" not in logged


async def test_debug_logs_keep_everything_for_a_developer(caplog: pytest.LogCaptureFixture) -> None:
    events = CallEvents("c1", EventHub(), VirtualClock().now)
    with caplog.at_level(logging.DEBUG, logger="ivr.call.events"):
        await events.emit(ce.Transcript(Speaker.CALLER, "Dupont", 0.4))
    assert "Dupont" in caplog.text


async def test_sinks_and_subscribers_get_every_event_in_order() -> None:
    hub = EventHub()
    stored: list[CallEvent] = []

    async def sink(ev: CallEvent) -> None:
        stored.append(ev)

    async def failing(ev: CallEvent) -> None:
        raise RuntimeError("a broken sink never reaches the call")

    hub.add_sink(failing)
    hub.add_sink(sink)
    stream = hub.subscribe()
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    events = CallEvents("c1", hub, VirtualClock().now)
    await events.emit(ce.Said("greeting_open", "fr", True, "Bonjour"))
    await events.emit(ce.Hangup(Outcome.RESOLVED))
    assert [(e.seq, e.kind) for e in stored] == [(1, "say"), (2, "hangup")]
    assert (await first).kind == "say"
    await stream.aclose()


def test_json_form_keeps_the_stored_names_and_values() -> None:
    ev = CallEvent("c1", 3, AT, rec.StateChanged("LISTENING", "heard", "ANSWERING"))
    assert ev.as_dict() == {"call_id": "c1", "seq": 3, "at": AT.isoformat(), "kind": "state",
                            "from": "LISTENING", "event": "heard", "to": "ANSWERING"}
    assert payload(ce.IntentMatched("passport", Decision.ANSWER, 0.91, "un passeport")) == {
        "intent": "passport", "decision": "answer", "score": 0.91, "text": "un passeport"}
    assert payload(ce.CallbackScheduled("accueil", AT)) == {
        "service": "accueil", "not_before": AT.isoformat(), "reason": None}
    assert payload(rec.Turn("LISTENING", "bonjour", "fr", Decision.ABSTAIN, None, 0.2, ("a", "b"))) == {
        "state": "LISTENING", "text": "bonjour", "lang": "fr", "decision": "abstain", "intent": None,
        "score": 0.2, "candidates": ["a", "b"]}
    assert payload(rec.DecisionMade("passport", IntentKind.ANSWER, "etat_civil"))["kind"] == "answer"


def test_personal_fields_are_declared_on_the_types() -> None:
    started = ce.Started(channel="PJSIP/trunk-1", number="0612345678")
    assert is_personal(started)
    assert payload(started, personal=False) == {"channel": "PJSIP/trunk-1"}
    assert payload(ce.IntentMatched(None, Decision.ABSTAIN, 0.1, "secret"), personal=False) == {
        "intent": None, "decision": "abstain", "score": 0.1}
    assert not is_personal(ce.Hangup(Outcome.ABANDONED))


def _example(cls: type) -> EventBody:
    """An instance of ``cls`` with a plausible value for each field."""
    values = {str: "x", "str": "x", "str | None": None, "int | None": None, "float": 1.5, "int": 2, "bool": True,
              "datetime": AT, "tuple[str, ...]": ("a",)}
    args = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            continue
        hint = str(f.type)
        if hint in values:
            args[f.name] = values[hint]
        else:  # an enum: its first member
            enum_type = {"Speaker": Speaker, "Decision": Decision, "Outcome": Outcome, "IntentKind": IntentKind,
                         "HandoffReason": ce.HandoffReason}[hint]
            args[f.name] = next(iter(enum_type))
    body: EventBody = cls(**args)
    return body


@pytest.mark.parametrize("cls", get_args(EventBody), ids=lambda c: c.__name__)
def test_every_kind_is_frozen_has_a_unique_kind_and_serialises_to_json(cls: type) -> None:
    body = _example(cls)
    kinds = [c.KIND for c in get_args(EventBody)]
    assert kinds.count(cls.KIND) == 1, f"{cls.KIND} is used by two event types"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(body, dataclasses.fields(cls)[0].name, None)
    as_json = json.loads(json.dumps(CallEvent("c1", 1, AT, body).as_dict()))
    assert as_json["kind"] == cls.KIND
    assert not hasattr(body, "__dict__"), "event types are slotted"
