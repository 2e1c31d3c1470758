"""Prompts, labels, word spotting, agent summaries and the adapter from the real knowledge base."""

from __future__ import annotations

import shutil
import string
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.config import PROJECT_ROOT, DialogSettings
from ivr.dialog.actions import Say
from ivr.dialog.hours import OpeningHours
from ivr.dialog.kbview import from_kb
from ivr.dialog.labels import about, bare_label, intent_label
from ivr.dialog.policy import Dialog
from ivr.dialog.prompts import PROMPTS, all_prompt_texts, render
from ivr.dialog.summary import Summary
from ivr.dialog.words import emergency_case, ordinal_choice, yes_or_no
from ivr.errors import DialogError
from ivr.nlu.kb import load_knowledge
from ivr.testing.dialog_fakes import heard


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", list(PROMPTS))
def test_every_prompt_exists_in_both_languages_with_the_same_variables(key: str) -> None:
    fr, en = PROMPTS[key]["fr"], PROMPTS[key]["en"]
    assert fr and en and fr != en
    assert _fields(fr) == _fields(en)


def test_render_fills_and_checks_variables() -> None:
    text = render("clarify", "fr", a="le passeport", b="la carte d'identité")
    assert text.startswith("C'est pour le passeport ou pour la carte d'identité ?")
    assert render("transfer", "en", service="the civil registry").startswith("I am putting you through to the")
    assert render("offer_help", "fr") == (
        "Pour parler à un conseiller, dites « conseiller » ou tapez 0. Pour être rappelé, tapez 1.")
    with pytest.raises(DialogError):
        render("transfer", "fr")
    with pytest.raises(DialogError):
        render("no_such_prompt", "fr")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_all_prompt_texts_has_fixed_texts_and_fragments(lang: str) -> None:
    texts = all_prompt_texts(lang)
    assert render("goodbye", lang) in texts and render("emergency_112", lang) in texts
    assert not any("{" in t for t in texts)
    assert len(texts) == len(set(texts))
    fragment = "Je vous mets en relation avec le service" if lang == "fr" else "I am putting you through to"
    assert fragment in texts


def test_labels() -> None:
    assert about(intent_label("passport", "fr"), "fr") == "du passeport"
    assert about(intent_label("bulky_waste", "fr"), "fr") == "des encombrants"
    assert about(intent_label("id_card", "fr"), "fr") == "de la carte d'identité"
    assert about(intent_label("library", "en"), "en") == "the library"
    assert bare_label("le passeport") == "passeport" and bare_label("l'acte de mariage") == "acte de mariage"
    assert intent_label("something_new", "fr") == "something new"


def test_word_spotting() -> None:
    assert yes_or_no("Oui, s'il vous plaît") is True
    assert yes_or_no("euh non merci") is False
    assert yes_or_no("je voudrais un passeport") is None
    # answering "c'est bien ça ?" with its own words; "oui" heard by whisper as "hum" on a real call
    assert yes_or_no("Hum, c'est bien ça.") is True and yes_or_no("Tout à fait") is True
    assert yes_or_no("That's right") is True and yes_or_no("c'est bon") is False
    assert yes_or_no("c'est bien ça le problème, je voudrais un passeport") is None
    assert ordinal_choice("le premier") == 1 and ordinal_choice("plutôt le deuxième") == 2
    assert ordinal_choice("the second one") == 2 and ordinal_choice("je sais pas") is None
    assert emergency_case("Au secours il y a de la fumée partout") == "fire"
    assert emergency_case("my husband collapsed and is not breathing") == "medical"
    assert emergency_case("un homme avec un couteau") == "violence"
    assert emergency_case("c'est urgent") == "112"


def test_summary_for_agents() -> None:
    s = Summary(request_text="je voudrais refaire mon passeport", intent="passport", intent_label="passeport",
                service="etat_civil", answer_given="passport", lang="fr", waited_s=42.4, attempts=2)
    text = s.to_text()
    assert text == ("Demande : passeport (etat_civil) — « je voudrais refaire mon passeport » — réponse déjà "
                    "donnée — langue fr, 42 s, 2 essai(s)")
    assert len(s.to_text(40)) == 40 and s.to_text(40).endswith("…")
    assert s.to_callerid_name() == "IVR:passeport|fr"
    long = Summary("x", None, "Éducation et guichet famille — très long libellé", "education", None, "en", 0, 0)
    name = long.to_callerid_name()
    assert len(name) <= 40 and name.isascii() and name.startswith("IVR:Education") and name.endswith("|en")


def test_adapter_over_the_real_knowledge_files(tmp_path: Path) -> None:
    # The real services, facts and passport intent (copied: the rest of the KB is edited by others).
    src = PROJECT_ROOT / "knowledge"
    (tmp_path / "intents").mkdir()
    for name in ("services.yaml", "facts.yaml", "intents/passport.yaml"):
        shutil.copy(src / name, tmp_path / name)
    kb = from_kb(load_knowledge(tmp_path))
    passport = kb.intent("passport")
    assert passport is not None and passport.kind == "answer" and passport.service == "etat_civil"
    assert passport.answer("fr") and passport.answer("en") != passport.answer("fr")
    assert passport.label("fr") == "le passeport"
    assert kb.service_name("etat_civil", "fr") == "État civil"
    hours = OpeningHours.from_knowledge(kb, DialogSettings())
    tuesday = datetime(2026, 12, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
    assert hours.is_open("accueil", tuesday) and not hours.is_open("urgence", tuesday)
    assert hours.next_opening("urgence", tuesday) is None

    dialog = Dialog(kb, hours, DialogSettings())
    dialog.start(tuesday)
    said = [a for a in dialog.handle(heard("je veux refaire mon passeport", "passport")) if isinstance(a, Say)]
    assert [a.key for a in said] == ["answer:passport", "sms_offer"]
    assert said[0].text == passport.answer("fr") and "{{" not in said[0].text


def test_every_knowledge_intent_has_a_label() -> None:
    ids = [p.stem for p in (PROJECT_ROOT / "knowledge" / "intents").glob("*.yaml")]
    assert ids
    missing = [i for i in ids if intent_label(i, "fr") == i.replace("_", " ")]
    assert missing == []


def test_transfer_tells_the_caller_that_live_assist_transcribes() -> None:
    from ivr.dialog.prompts import render as render_prompt

    assert "transcrit" in render_prompt("transfer", "fr", service="l'état civil")
    assert "transcribed" in render_prompt("transfer", "en", service="civil records")
