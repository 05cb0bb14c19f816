"""Folding names for search: case, accents, letters without a decomposition, other scripts."""

from __future__ import annotations

import pytest

from ketachart.domain.search_keys import after_prefix, fold, name_keys, query_words, search_keys


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Łukasiewicz", "lukasiewicz"),
        ("NÚÑEZ", "nunez"),
        ("Nu\u0301n\u0303ez", "nunez"),  # typed decomposed
        ("Øster", "oster"),
        ("Straße", "strasse"),
        ("Ærø", "aero"),
        ("Ｆｕｌｌ", "full"),  # full-width letters
        ("王小明", "王小明"),
        ("مُحَمَّد", "محمد"),  # Arabic vowel signs dropped
        ("김민준", "김민준"),  # Hangul recomposed
    ],
)
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_every_word_of_a_name_is_a_key() -> None:
    assert name_keys("García Márquez") == ["garcia", "marquez"]
    assert name_keys("O'Brien-Smith") == ["o", "brien", "smith", "obriensmith"]
    assert name_keys("Robert'); DROP TABLE") == ["robert", "drop", "table"]


def test_the_mrn_is_one_key_and_repeats_are_kept_once() -> None:
    assert search_keys("MRN-0001", "Ng Ng", "Ng") == ["mrn-0001", "ng"]


@pytest.mark.parametrize("prefix", ["a", "luk", "王", "z\U0010ffff", "\ud7ff"])
def test_after_prefix_bounds_every_text_starting_with_the_prefix(prefix: str) -> None:
    bound = after_prefix(prefix)
    assert prefix < bound
    assert prefix + "zzz" < bound or prefix.endswith("\U0010ffff")
    assert prefix + "\uffff" < bound or prefix.endswith("\U0010ffff")
    bound.encode()  # never a lone surrogate: the databases store UTF-8


def test_a_query_is_matched_by_its_written_units() -> None:
    assert query_words("o'bri smith-jo") == ["obri", "smithjo"]
    assert query_words("mrn-0001") == ["mrn0001"]
    assert query_words("-- ;") == []
