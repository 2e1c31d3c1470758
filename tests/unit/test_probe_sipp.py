"""SIPp's inputs and outputs, without SIPp: the scenario, the µ-law question, the stats and the call marks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from ivr.audio.codecs import ulaw_to_pcm16
from ivr.audio.wav import write_wav
from ivr.probe import sipp
from ivr.probe.load import number
from ivr.probe.sipp import Scenario, parse_log, parse_stats, write_ulaw


def test_the_scenario_streams_the_question_and_waits_for_the_bot_or_hangs_up(tmp_path: Path) -> None:
    root = ET.fromstring(Scenario(tmp_path / "q.ulaw", 25.0).render())
    execs = [e.attrib["rtp_stream"] for e in root.iter("exec")]
    assert execs == [f"{tmp_path / 'q.ulaw'},1,0"]  # played once, payload type 0 (PCMU)
    bye = next(r for r in root.iter("recv") if r.attrib.get("request") == "BYE")
    assert (bye.attrib["timeout"], bye.attrib["ontimeout"]) == ("25000", "hangup")
    invite = root.find("send")
    assert invite is not None and "m=audio [rtpstream_audio_port] RTP/AVP 0" in (invite.text or "")
    assert [m.attrib["message"].split()[0] for m in root.iter("log")] == ["ANSWERED", "REMOTE_BYE", "LOCAL_BYE"]


def test_the_question_is_placed_after_the_lead_and_padded_to_the_call(tmp_path: Path) -> None:
    tone = (0.3 * 32767 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype("<i2")
    write_wav(tmp_path / "q.wav", tone.tobytes(), rate=8000)
    speech_s = write_ulaw(tmp_path / "q.wav", tmp_path / "q.ulaw", lead_s=2.0, total_s=10.0)
    pcm = np.frombuffer(ulaw_to_pcm16((tmp_path / "q.ulaw").read_bytes()), dtype="<i2")
    assert speech_s == 1.0 and len(pcm) == 80000  # one byte per 8 kHz sample, the whole call long
    assert np.abs(pcm[:16000]).max() < 10 and np.abs(pcm[16000:24000]).max() > 5000
    assert np.abs(pcm[24100:]).max() < 10


def test_the_last_stats_row_gives_the_totals_and_the_failure_reasons() -> None:
    header = "StartTime;TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);" \
             "FailedCall(C);FailedMaxUDPRetrans(C);FailedUnexpectedMessage(C);FailedCallRejected(C)"
    rows = ["x;3;3;0;0;0;0;0;0;0", "y;5;0;1;3;2;2;1;1;0"]
    stats = parse_stats("\n".join([header, *rows]) + "\n")
    assert (stats.created, stats.successful, stats.failed) == (5, 3, 2)
    assert stats.failures == {"MaxUDPRetrans": 1, "UnexpectedMessage": 1}
    assert parse_stats("").created == 0


def test_marks_are_grouped_by_caller_in_order() -> None:
    text = "ANSWERED 0600000001\nANSWERED 0600000002\nREMOTE_BYE 0600000002\nLOCAL_BYE 0600000001\n\n"
    assert parse_log(text) == {"0600000001": ["ANSWERED", "LOCAL_BYE"], "0600000002": ["ANSWERED", "REMOTE_BYE"]}


def test_test_callers_get_french_mobile_numbers() -> None:
    assert number(0) == "0600000000" and number(1234) == "0600001234"



def test_a_port_inside_another_sipps_media_range_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # the soak's burst: a control port picked inside a running SIPp's media range made that SIPp exit (errno 98)
    offered = iter([47000, 47010, 47100, 47010])
    monkeypatch.setattr(sipp, "free_port", lambda host, kind: next(offered))
    media = sipp.claim_udp_ports("127.0.0.1", 40)
    control = sipp.claim_udp_ports("127.0.0.1")
    assert (media, control) == (47000, 47100)  # 47010 is in 47000-47039: skipped
    sipp.release_udp_ports(media, 40)
    assert sipp.claim_udp_ports("127.0.0.1") == 47010  # given back once that SIPp has ended
    sipp.release_udp_ports(control)
    sipp.release_udp_ports(47010)
    assert not sipp._claimed
