"""``bench/spoken_eval.py --calls N``: spoken-set renderings routed through real calls.

A real Asterisk 22 and the bot in process (``bench/common.stack``), a real SIP phone (baresip, the project's
``ProbeCall``) at 127.0.0.2 that asks the rendered question at t = 2 s, one call at a time. What the bot
understood comes from its own call events (``intent``: decision and intent), so the figure counts the whole
path: RTP, Asterisk's transcoding, the AudioSocket leg, the VAD's end of speech, recognition and matching.
Calls run one after another: baresip costs about a core per call (LAB-NOTES §7), never a load figure.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from common import ASK_AT, stack

from ivr.audio.wav import write_wav
from ivr.call.events import IntentMatched
from ivr.nlu.types import Candidate, Decision, MatchResult
from ivr.probe.call import ProbeCall
from ivr.testing.spoken.corpus import Rendering
from ivr.testing.spoken.render import heard
from ivr.testing.spoken.scoring import OUTCOMES, outcome

ANSWER_WAIT_S = 9.0
"""Seconds the caller stays on the line after the question (recognition, matching, the answer's start)."""


def _routed(events: list[Any]) -> dict[str, Any]:
    """The first ``intent`` event of a call (what the bot made of the question), or nothing heard."""
    for e in events:
        if isinstance(e.body, IntentMatched):
            return {"decision": str(e.body.decision), "intent": e.body.intent, "score": e.body.score,
                    "heard": e.body.text}
    return {"decision": "no_text", "intent": None, "score": None, "heard": ""}


async def run_calls(items: list[Rendering]) -> dict[str, Any]:
    """Place one call per rendering; return per-call rows and the outcome rates."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ivr-spoken-calls-") as tmp:
        home = Path(tmp)
        async with stack(home / "lab") as st:
            hub = st.bot.hub
            for i, r in enumerate(items):
                pcm = heard(r)
                wav = home / f"q{i:03d}.wav"
                write_wav(wav, pcm)
                seconds = ASK_AT + len(pcm) / 32000 + ANSWER_WAIT_S
                mark = hub.history.mark()
                call = ProbeCall(st.settings, home / f"call{i:03d}", segments=[(ASK_AT, wav)], seconds=seconds)
                try:
                    result = await call.run(st.settings.asterisk.did)
                    established = result.established
                except Exception as exc:  # a failed call is a result of the benchmark, not its end
                    established = False
                    print(f"call {i} failed: {type(exc).__name__}: {exc}")
                routed = _routed(hub.history.since(mark))
                if routed["decision"] == "no_text":
                    got = "right" if r.question.expected == "OOS" else "abstained"
                else:
                    intent = routed["intent"]
                    match = MatchResult(Decision(routed["decision"]), intent, float(routed["score"] or 0.0), "fr",
                                        (Candidate(intent, 0.0),) if intent else ())
                    got = outcome(r.question.expected, match)
                rows.append({"voice": r.voice.name, "condition": r.condition.label, "expected": r.question.expected,
                             "text": r.question.text, "established": established, **routed, "outcome": got})
    inscope = [x for x in rows if x["expected"] != "OOS"]
    counts = Counter(x["outcome"] for x in inscope)
    n = len(inscope) or 1
    return {"n": len(rows), "established": sum(x["established"] for x in rows),
            "no_transcript": sum(x["decision"] == "no_text" for x in rows),
            **{o: round(counts[o] / n, 4) for o in OUTCOMES},
            "routed": round((counts["right"] + counts["confirmed"]) / n, 4), "calls": rows}
