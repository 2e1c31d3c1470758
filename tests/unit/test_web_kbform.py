"""The knowledge form and the YAML view are the same file through the same linter."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from ivr.config import PROJECT_ROOT
from ivr.nlu.kb import load_knowledge
from ivr.web.kbedit import lint_draft, publish
from ivr.web.kbform import IntentForm, form_from_fields, form_of, yaml_of

KB = PROJECT_ROOT / "knowledge"


def test_a_real_intent_survives_the_form_round_trip() -> None:
    text = (KB / "intents" / "passport.yaml").read_text(encoding="utf-8")
    form = form_of(text, "passport")
    assert form.service == "etat_civil" and form.offer == "sms" and form.link.endswith("/passeport")
    assert "passeport" in form.questions["fr"] and "{{id_delay}}" in form.answers["fr"]["voice"]
    assert yaml.safe_load(yaml_of(form)) == yaml.safe_load(text)  # same content, comments aside


def test_posted_fields_become_a_file_the_loader_accepts(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    fields = {
        "service": "accueil", "kind": "answer", "offer": "none", "link": "",
        "questions_fr": "où est la médiathèque\r\nhoraires de la bibliothèque\n\n  ",
        "questions_en": "where is the library",
        "answer_fr_voice": "La médiathèque est à côté de la mairie. Téléphone : {{city_hall_phone}}.",
        "answer_fr_chat": "Médiathèque : à côté de la mairie, {{city_hall_phone}}.",
        "answer_en_voice": "The library is next to the city hall.",
        "answer_en_chat": "The library is next to the city hall.",
    }
    form = form_from_fields("library", fields, date(2026, 11, 29))
    assert form.questions["fr"] == ("où est la médiathèque", "horaires de la bibliothèque")
    text = yaml_of(form)
    assert not [i for i in lint_draft(kb_dir, "library", text) if i.error]
    assert not [i for i in publish(kb_dir, "library", text) if i.error]
    intent = load_knowledge(kb_dir).intents["library"]
    assert intent.reviewed == date(2026, 11, 29)
    assert "01 99 00 10 00" in intent.answers["fr"].voice  # the fact was filled in by the loader


def test_the_linter_judges_the_form_too(tmp_path: Path) -> None:
    empty = yaml_of(IntentForm(id="x", service="nowhere", questions={"fr": (), "en": ()}))
    errors = [i for i in lint_draft(KB, "x", empty) if i.error]
    assert errors and any("service" in i.field or "nowhere" in i.message for i in errors)
    assert form_of("", "brand_new").id == "brand_new"
