"""Knowledge loader, fact substitution, linter on broken fixtures, and the last-valid holder."""

from __future__ import annotations

import shutil
from datetime import date, time
from pathlib import Path

import pytest

from ivr.nlu.holder import KnowledgeHolder
from ivr.nlu.kb import lint_knowledge, load_knowledge
from ivr.nlu.model import IntentKind, KnowledgeLintError, LintIssue, Severity

FIXTURES = Path(__file__).parents[1] / "data" / "kb_broken"
BASE = FIXTURES / "base"


def _kb_with(tmp_path: Path, case: str | None = None) -> Path:
    """A copy of the valid base KB, with the files of ``kb_broken/<case>`` laid over it."""
    target = tmp_path / "kb"
    shutil.copytree(BASE, target)
    if case is not None:
        shutil.copytree(FIXTURES / case, target, dirs_exist_ok=True)
    return target


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def _errors(issues: list[LintIssue]) -> list[LintIssue]:
    return [i for i in issues if i.severity is Severity.ERROR]


def test_base_fixture_is_clean_and_loads_with_facts_substituted(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path)
    assert lint_knowledge(kb_dir) == []
    kb = load_knowledge(kb_dir)
    assert set(kb.intents) == {"passport", "city_hall_hours", "yes"}
    passport = kb.intents["passport"]
    assert passport.kind is IntentKind.ANSWER and passport.service == "etat_civil"
    assert passport.reviewed == date(2026, 11, 15)
    assert passport.answers["fr"].voice == "Pour un passeport, prenez rendez-vous en appelant le 01 99 00 10 00."
    assert passport.answers["en"].chat.endswith("https://www.villeneuve-sur-loire.example/passeport")
    assert passport.follow_up.offer == "sms"
    # a {fr, en} fact is substituted per language
    hours = kb.intents["city_hall_hours"].answers
    assert "du lundi au vendredi de 8 h 30" in hours["fr"].voice
    assert "Monday to Friday" in hours["en"].voice
    # ``yes``/``no`` stay text (PyYAML would turn them into booleans)
    assert kb.intents["yes"].utterances["en"][0] == "yes"
    assert kb.intents["yes"].kind is IntentKind.DIALOG
    accueil = kb.services["accueil"]
    assert accueil.hours["mon"] == ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    assert accueil.hours["sun"] == ()
    assert accueil.closures == (date(2026, 12, 24),)
    assert len(kb.version) == 16


def test_changing_a_fact_changes_every_answer_and_the_version(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path)
    before = load_knowledge(kb_dir)
    facts = kb_dir / "facts.yaml"
    facts.write_text(facts.read_text().replace("01 99 00 10 00", "01 99 00 99 99"))
    after = load_knowledge(kb_dir)
    assert "01 99 00 99 99" in after.intents["passport"].answers["fr"].voice
    assert "01 99 00 99 99" in after.intents["passport"].answers["en"].voice
    assert after.version != before.version


@pytest.mark.parametrize(
    ("case", "file", "needle", "field", "message"),
    [
        ("bad_yaml", "intents/passport.yaml", "passeport: perdu", "(yaml)", "invalid YAML"),
        ("missing_field", "intents/passport.yaml", "id: passport", "service", "missing field"),
        ("wrong_kind", "intents/passport.yaml", "kind: faq", "kind", "bad kind 'faq'"),
        ("unknown_service", "intents/passport.yaml", "service: mairie_annexe", "service", "unknown service"),
        ("unknown_fact", "intents/passport.yaml", "{{mayor_phone}}", "answer.fr.voice", "unknown fact"),
        ("too_long", "intents/passport.yaml", "il faut d'abord", "answer.fr.voice", "too long to speak"),
        ("url_in_voice", "intents/passport.yaml", "sur {{website}}", "answer.fr.voice", "web address"),
        ("bad_date", "intents/passport.yaml", "reviewed:", "reviewed", "bad date"),
        (
            "duplicate_utterance", "intents/passport.yaml", "- je voudrais refaire mon passeport",
            "utterances.fr[0]", "also in intent 'id_card'",
        ),
    ],
)
def test_linter_names_file_line_and_field(
    tmp_path: Path, case: str, file: str, needle: str, field: str, message: str
) -> None:
    kb_dir = _kb_with(tmp_path, case)
    errors = _errors(lint_knowledge(kb_dir))
    expected_line = _line_of(kb_dir / file, needle)
    hits = [
        e for e in errors
        if e.path == kb_dir / file and e.field == field and message in e.message and e.line == expected_line
    ]
    assert hits, [e.format(kb_dir) for e in errors]
    assert hits[0].format(kb_dir).startswith(f"{file}:{expected_line}: {field}: ")
    with pytest.raises(KnowledgeLintError) as info:
        load_knowledge(kb_dir)
    assert any(i in info.value.issues for i in hits)


def test_duplicate_ids_unknown_fields_and_missing_translations(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path)
    text = (kb_dir / "intents" / "passport.yaml").read_text()
    (kb_dir / "intents" / "passeport.yaml").write_text(text)  # same id in a second file
    hours = kb_dir / "intents" / "city_hall_hours.yaml"
    hours.write_text(hours.read_text().replace("kind: answer", "kind: answer\ncolour: blue").replace(
        "  en:\n    voice: \"The city hall", "  de:\n    voice: \"The city hall"))
    errors = {(e.path.name, e.field, e.message.split(" (")[0]) for e in _errors(lint_knowledge(kb_dir))}
    assert ("passport.yaml", "id", "duplicate intent id 'passport'") in errors  # passeport.yaml sorts first
    assert ("passeport.yaml", "id", "id 'passport' differs from the file name 'passeport'") in errors
    assert ("city_hall_hours.yaml", "colour", "unknown field") in errors
    assert ("city_hall_hours.yaml", "answer.en", "missing translation") in errors


def test_too_few_utterances_is_a_warning_not_an_error(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path)
    path = kb_dir / "intents" / "passport.yaml"
    path.write_text(path.read_text().replace("    - passport appointment\n", ""))
    issues = lint_knowledge(kb_dir)
    assert [(i.field, i.severity) for i in issues] == [("utterances.en", Severity.WARNING)]
    assert "only 3 utterance(s)" in issues[0].message
    load_knowledge(kb_dir)  # warnings do not block loading


def test_holder_keeps_serving_the_last_valid_knowledge(tmp_path: Path) -> None:
    kb_dir = _kb_with(tmp_path)
    seen: list[str] = []
    holder = KnowledgeHolder(kb_dir, on_change=lambda kb: seen.append(kb.version))
    first = holder.kb
    path = kb_dir / "intents" / "passport.yaml"
    good = path.read_text()
    path.write_text(good.replace("service: etat_civil", "service: nowhere"))
    issues = holder.reload()
    assert any(i.field == "service" and i.severity is Severity.ERROR for i in issues)
    assert holder.kb is first  # still the old one
    path.write_text(good.replace("prenez rendez-vous en appelant", "appelez"))
    assert holder.reload() == []
    assert holder.kb is not first
    assert holder.kb.intents["passport"].answers["fr"].voice.startswith("Pour un passeport, appelez")
    assert seen == [first.version, holder.kb.version]


def test_holder_refuses_to_start_on_a_broken_knowledge_base(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeLintError):
        KnowledgeHolder(_kb_with(tmp_path, "wrong_kind"))
