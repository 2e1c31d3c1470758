"""Pure pieces of the web side: queue board, chat policy, dialplan checks, utterance insertion, auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config import PROJECT_ROOT, DialogSettings
from ivr.errors import KnowledgeError
from ivr.nlu.kb import load_knowledge
from ivr.nlu.types import Candidate, Decision, MatchResult
from ivr.telephony.ami import QueueStatusResult
from ivr.telephony.ami_events import (
    AgentConnect,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueEntry,
    QueueMemberStatus,
    QueueParams,
)
from ivr.web.auth import Signer, WebUser, hash_password, role_allows, verify_password
from ivr.web.chat import chat_reply
from ivr.web.dialplan import check_syntax, inbound_extensions
from ivr.web.kbedit import with_utterance
from ivr.web.queues import QueueBoard

RECEPTION = DialogSettings().reception_service


def test_queue_board_follows_events() -> None:
    board = QueueBoard()
    board.load(QueueStatusResult(
        queues=(QueueParams("accueil", 1, 30, 3, 0),),
        members=(QueueMemberStatus("accueil", "PJSIP/agent1", "agent1", 1, False, False, 0),),
        entries=(QueueEntry("accueil", "PJSIP/t-1", "1", "06", "Zoé", 1, 20),),
    ), now=100.0)
    assert board.average_wait_s() == 30
    assert board.apply(QueueCallerJoin("accueil", "PJSIP/t-2", "2", "06", "Émilie", 2, 2), now=110.0)
    view = board.views(now=130.0)[0]
    assert [c.caller_name for c, _ in view.waiting] == ["Zoé", "Émilie"]
    assert view.longest_wait_s == 50.0 and view.free_agents == 1
    board.apply(AgentConnect("accueil", "PJSIP/agent1", "agent1", "PJSIP/t-1", "1", 30, 2), now=131.0)
    board.apply(QueueCallerAbandon("accueil", "PJSIP/t-2", "2", 1, 2, 25), now=135.0)
    view = board.views(now=140.0)[0]
    assert view.waiting == () and view.abandoned == 1 and view.free_agents == 0
    assert view.agents[0].label() == "en ligne"


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return load_knowledge(PROJECT_ROOT / "knowledge")


def test_chat_policy(kb) -> None:  # type: ignore[no-untyped-def]
    answer = chat_reply(kb, MatchResult(Decision.ANSWER, "passport", 0.9, "fr"), RECEPTION)
    assert answer.answer == kb.intents["passport"].answers["fr"].chat and answer.link
    emergency = chat_reply(kb, MatchResult(Decision.EMERGENCY, "emergency", 1.0, "en"), RECEPTION)
    assert "112" in emergency.answer and not emergency.offer_callback
    clarify = chat_reply(kb, MatchResult(Decision.CLARIFY, None, 0.6, "fr",
                                         (Candidate("passport", 0.6), Candidate("id_card", 0.58))), RECEPTION)
    assert clarify.choices == ("passport", "id_card") and "passeport" in clarify.answer
    abstain = chat_reply(kb, MatchResult(Decision.ABSTAIN, None, 0.2, "fr"), RECEPTION)
    assert abstain.offer_callback and abstain.intent is None
    unsure = chat_reply(kb, MatchResult(Decision.CONFIRM, "room_rental", 0.64, "fr"), RECEPTION)
    assert unsure.decision == "confirm" and unsure.intent == "room_rental"
    assert unsure.answer.startswith("Si votre question concerne la location de salle : ")
    assert unsure.answer.endswith(kb.intents["room_rental"].answers["fr"].chat)


def test_dialplan_checks() -> None:
    text = "[from-trunk]\nexten => _X.,1,NoOp(x)\n same => n,Stasis(ivr)\n[other]\nexten => s,1,Dial(PJSIP/a\n"
    problems = check_syntax(text)
    assert [(p.line, "parentheses" in p.message) for p in problems] == [(5, True)]
    assert inbound_extensions(text) == ["_X."]
    assert check_syntax("exten => 1,1,NoOp()\n")[0].message == "line outside any [context]"
    assert any("from-trunk" in p.message for p in check_syntax("[x]\nexten => 1,1,NoOp()\n"))
    assert "needs 3" in check_syntax("[from-trunk]\nexten => _X.,1\n")[0].message


def test_with_utterance_keeps_comments_and_quotes_when_needed(tmp_path: Path) -> None:
    src = "# comment kept\nid: x\nutterances:\n  fr:\n    - bonjour\n    - salut # aside\n  en:\n    - hi\nanswer: {}\n"
    out = with_utterance(src, "fr", "  oui:  non ")
    assert out.splitlines()[:7] == ["# comment kept", "id: x", "utterances:", "  fr:", "    - bonjour",
                                    "    - salut # aside", '    - "oui: non"']
    assert with_utterance(src, "en", "hello there").splitlines()[8] == "    - hello there"
    with pytest.raises(KnowledgeError):
        with_utterance(src, "de", "hallo")


def test_passwords_roles_and_signed_sessions() -> None:
    h = hash_password("correct horse")
    assert verify_password(h, "correct horse") and not verify_password(h, "wrong")
    assert not verify_password("not-a-hash", "x")
    assert role_allows("admin", "agent") and role_allows("supervisor", "supervisor")
    assert not role_allows("agent", "supervisor") and not role_allows("intruder", "agent")
    signer = Signer("s3cret")
    cookie = signer.session_cookie(WebUser("ana", "admin"))
    assert signer.read_session(cookie) == WebUser("ana", "admin")
    assert Signer("other").read_session(cookie) is None
    assert signer.read_session(cookie[:-2] + "xx") is None
