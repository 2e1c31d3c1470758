"""WER scoring of the ASR benchmark: the same normalisation on both sides, real errors kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.asr import evaluation
from ivr.asr.evaluation import Erratum, apply_errata, load_errata, normalize, reference_text, word_error_rate


def test_digits_ordinals_and_symbols_are_spelled_out_like_words() -> None:
    assert normalize("Le 30e étage, appuyez sur #", "fr") == "le trentième étage appuyez sur dièse"
    assert normalize("1er ou 2ème ? *", "fr") == "premier ou deuxième étoile"
    assert normalize("the 4th floor, press #", "en") == "the fourth floor press pound"


def test_written_forms_of_the_same_words_score_zero() -> None:
    ref = "Bienvenue dans le répertoire d'Asterisk. Appuyez sur 2, puis sur dièse."
    hyp = "bienvenue dans le répertoire d’asterisk appuyez sur deux puis sur #"
    assert word_error_rate([ref], [hyp], "fr") == 0.0


def test_unicode_composition_does_not_count_as_an_error() -> None:
    decomposed = "e\u0301chec"  # é as e + combining accent
    assert word_error_rate(["échec"], [decomposed], "fr") == 0.0


def test_real_spelling_errors_still_count() -> None:
    assert word_error_rate(["veuillez composer"], ["veuillez composez"], "fr") == 0.5
    assert word_error_rate(["soixantième"], ["70e"], "fr") == 2.0  # "soixante dixième": 1 wrong, 1 extra
    assert word_error_rate(["veuillez composer"], ["veuillez composez"], "fr", fold_ez=True) == 0.0


def test_stage_directions_and_sound_effects_are_not_references() -> None:
    assert reference_text("Pour (emphase)") == "Pour"
    assert reference_text("(beep)") is None
    assert reference_text("[tone]") is None
    assert reference_text("au menu poli (ne m'appelez plus, jamais)") == "au menu poli (ne m'appelez plus, jamais)"


def test_errata_correct_only_a_mistake_found_exactly_once() -> None:
    errata = [Erratum("a", "présentemnet", "présentement"), Erratum("b", "composer", "composez"),
              Erratum("c", "absent", "present")]
    prompts = {"a": "Cet agent est présentemnet en ligne.", "b": "composer ou composer", "d": "inchangé"}
    fixed = apply_errata(prompts, errata)
    assert fixed == {"a": "Cet agent est présentement en ligne.", "b": "composer ou composer", "d": "inchangé"}
    assert prompts["a"].endswith("présentemnet en ligne.")  # the input is not modified


def test_the_project_errata_file_parses_and_a_bad_line_names_file_and_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    errata = load_errata("fr")
    assert len(errata) >= 30 and all(e.published != e.corrected for e in errata)
    assert load_errata("xx") == []
    (tmp_path / "core_sounds_fr_errata.tsv").write_text("# comment\nname\tonly two\n", encoding="utf-8")
    monkeypatch.setattr(evaluation, "ERRATA_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"core_sounds_fr_errata.tsv:2: expected name"):
        load_errata("fr")
