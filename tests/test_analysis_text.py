"""Text normalisation used by the analysis matchers."""

from __future__ import annotations

import pytest

from callcredit.analysis.text import digits_of_run, merge_letters, normalize_phrase, split_raw, stem


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("leaking", "leak"),
        ("leaks", "leak"),
        ("leak", "leak"),
        ("running", "run"),
        ("clogged", "clog"),
        ("gutters", "gutter"),
        ("fences", "fence"),
        ("batteries", "battery"),
        ("glass", "glass"),
        ("need", "need"),
        ("one", "1"),
        ("nine", "9"),
        ("95814", "95814"),
    ],
)
def test_stem_makes_word_forms_compare_equal(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_split_raw_drops_case_punctuation_and_apostrophes() -> None:
    assert split_raw(" Don't!") == ["dont"]
    assert split_raw("A/C,") == ["a", "c"]
    assert split_raw("95,814.") == ["95", "814"]


def test_merge_letters_joins_spelled_out_letters() -> None:
    assert merge_letters(["my", "a", "c", "unit"]) == ["my", "ac", "unit"]
    assert merge_letters(["h", "v", "a", "c"]) == ["hvac"]
    assert merge_letters(["a", "leak"]) == ["a", "leak"]


def test_normalize_phrase_matches_transcript_tokenisation() -> None:
    assert normalize_phrase("My toilet keeps running") == ("my", "toilet", "keep", "run")
    assert normalize_phrase("A/C is blowing warm air") == ("ac", "is", "blow", "warm", "air")


@pytest.mark.parametrize(
    ("tokens", "digits"),
    [
        (["95814"], "95814"),
        (["9", "5", "8", "1", "4"], "95814"),
        (["nine", "five", "eight", "one", "four"], "95814"),
        (["ninety", "five", "eight", "fourteen"], "95814"),
        (["nine", "five", "eight", "oh", "one"], "95801"),
        (["95", "814"], "95814"),
        (["twenty"], "20"),
    ],
)
def test_digits_of_run_reads_spoken_and_written_numbers(tokens: list[str], digits: str) -> None:
    assert digits_of_run(tokens) == digits
