"""Tests of regex alternations and of matches with character offsets."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from transforms.people import person_pattern, title_before_pattern
from transforms.quantities import quantity_pattern
from transforms.spans import alternation, find_parts, find_spans, for_ascii_words, without_groups
from transforms.vocabulary import Vocabulary, place_names


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # Longest first, so "Prof. Dr." wins over "Prof." at the same position.
        (["Prof.", "Prof. Dr.", "Dr."], r"(?:Prof\.\s+Dr\.|Prof\.|Dr\.)"),
        # Duplicates collapse; ties in length sort alphabetically for a stable pattern.
        (["bn", "mn", "bn"], "(?:bn|mn)"),
        # Regex metacharacters are escaped ("US$", "(A+)").
        (["US$", "(A+)"], r"(?:\(A\+\)|US\$)"),
    ],
)
def test_alternation_orders_and_escapes(words: list[str], expected: str) -> None:
    assert alternation(words) == expected


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        # A plain space in a term also matches the non-breaking space portals put there.
        ("Party\u00a0members", True),
        # Runs of spaces are one separator.
        ("Party   members", True),
        # The space is required: a run-together word is a different word.
        ("Partymembers", False),
    ],
)
def test_alternation_spaces_match_any_whitespace(text: str, matches: bool) -> None:
    assert (re.fullmatch(alternation(["Party members"]), text) is not None) is matches


def test_alternation_without_escaping_keeps_regexes() -> None:
    # Debris patterns are regexes already and must not be escaped.
    assert alternation([r"\d+", "a"], escape=False) == r"(?:\d+|a)"


def _spans(texts: list[str], pattern: str) -> pl.DataFrame:
    frame = pl.LazyFrame({"row": list(range(len(texts))), "text": texts})
    return find_spans(frame, "text", pattern).select("row", "match", "match_start", "match_end", "match_no").collect()


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        # Two matches: offsets are into the whole text, numbered in order.
        ("ab 12 cd 345", r"\d+", [("12", 3, 5), ("345", 9, 12)]),
        # Offsets count characters, not UTF-8 bytes ("Hà Nội" has multi-byte letters).
        ("Hà Nội có 5 người", r"\d+", [("5", 10, 11)]),
        # A match at the very start and one at the very end.
        ("7 and 8", r"\d", [("7", 0, 1), ("8", 6, 7)]),
        # A match may cross a newline.
        ("a\nb", r"a\nb", [("a\nb", 0, 3)]),
        # Alternation order decides between overlapping candidates, as in the extractors.
        ("Prof. Dr. Tan", alternation(["Prof.", "Prof. Dr."]), [("Prof. Dr.", 0, 9)]),
    ],
)
def test_find_spans_offsets(text: str, pattern: str, expected: list[tuple[str, int, int]]) -> None:
    got = _spans([text], pattern)
    want = pl.DataFrame(
        {
            "row": [0] * len(expected),
            "match": [m for m, _, _ in expected],
            "match_start": [s for _, s, _ in expected],
            "match_end": [e for _, _, e in expected],
            "match_no": list(range(len(expected))),
        },
        schema=got.schema,
    )
    assert_frame_equal(got, want)
    for row in got.iter_rows(named=True):
        assert text[row["match_start"] : row["match_end"]] == row["match"]


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        # Matches are marked with NULs in a copy of the text: a NUL written in the text is not a mark.
        ("a\x00 12\x00", r"\d+", [("12", 3, 5)]),
        # A match holding a NUL comes out as written.
        ("x a\x00b", r"a.b", [("a\x00b", 2, 5)]),
    ],
)
def test_find_spans_with_nul_in_the_text(text: str, pattern: str, expected: list[tuple[str, int, int]]) -> None:
    got = _spans([text], pattern)
    assert got.select("match", "match_start", "match_end").rows() == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # Named and numbered groups stop capturing; non-capturing groups and flags are left alone.
        (r"(?P<a>x)(y)(?:z)(?i:w)", r"(?:x)(?:y)(?:z)(?i:w)"),
        # An escaped parenthesis and one inside a class are literals.
        (r"\((a)\)[()]", r"\((?:a)\)[()]"),
        # A nested class is skipped whole.
        (r"[\w&&[^\x00-\x7F]](b)", r"[\w&&[^\x00-\x7F]](?:b)"),
    ],
)
def test_without_groups(pattern: str, expected: str) -> None:
    assert without_groups(pattern) == expected


def test_find_parts_of_no_rows_keeps_the_group_columns() -> None:
    # The pattern is not run on an empty column, yet the groups are still columns of the result.
    frame = pl.LazyFrame({"text": []}, schema={"text": pl.String})
    got = find_parts(frame, "text", r"(?P<num>\d+)\s*(?P<unit>\p{L}+)").collect()
    assert got.height == 0
    assert {"num", "unit"} <= set(got.columns)


def test_find_spans_without_match_gives_no_rows() -> None:
    # A text with no match adds no row (not a row of nulls).
    assert _spans(["no digits here"], r"\d+").height == 0


def test_find_spans_offsets_restart_per_row() -> None:
    # The running sum of piece lengths must not carry from one text to the next.
    got = _spans(["x1", "yy22"], r"\d+")
    want = pl.DataFrame(
        {"row": [0, 1], "match": ["1", "22"], "match_start": [1, 2], "match_end": [2, 4], "match_no": [0, 0]},
        schema=got.schema,
    )
    assert_frame_equal(got, want)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # Word boundaries become ASCII ones, letter and digit classes ASCII ranges.
        (r"\bLe\s+\p{Lu}\p{Ll}*\d\b", r"(?-u:\b)Le\s+[A-Z][a-z]*[0-9](?-u:\b)"),
        # Inside a class, a range nests: [[A-Za-z]'] is a letter or an apostrophe.
        (r"[\p{L}']+", r"[[A-Za-z]']+"),
        # An escaped backslash followed by "b" is a literal, not a boundary.
        (r"a\\b", r"a\\b"),
        # `\s` also matches a non-breaking space, which is no word character: it stays.
        (r"a\sb", r"a\sb"),
        # A pattern that is ASCII already is unchanged.
        (r"(?-u:\b)[0-9]+", r"(?-u:\b)[0-9]+"),
    ],
)
def test_for_ascii_words(pattern: str, expected: str) -> None:
    assert for_ascii_words(pattern) == expected


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # A name after a non-breaking space and an en dash, where `\p{Lu}` and `\b` meet non-ASCII text.
        ("Mr.\u00a0Le Van An – Director", r"\b\p{Lu}\p{Ll}+\s+\p{Lu}\p{Ll}+\b"),
        # Digits next to a non-ASCII symbol.
        ("5¼ and 12\u00a0ha", r"\b\d+\b"),
    ],
)
def test_for_ascii_words_matches_like_the_unicode_pattern(text: str, pattern: str) -> None:
    frame = pl.DataFrame({"text": [text]})
    unicode = frame.select(pl.col("text").str.extract_all(pattern)).item()
    ascii_only = frame.select(pl.col("text").str.extract_all(for_ascii_words(pattern))).item()
    assert ascii_only.to_list() == unicode.to_list()
    assert len(unicode) > 0


def test_find_spans_keeps_unicode_boundaries_next_to_non_ascii_letters() -> None:
    # "ợ" is a word character: no boundary before the "i" of "Lợi", where an ASCII `\b` would see one.
    # The non-breaking space and the en dash are not, so the other rows match as before, in row order.
    got = _spans(["x\u00a0i", "Lợi i", "i – i"], r"\bi\b")
    want = pl.DataFrame(
        {
            "row": [0, 1, 2, 2],
            "match": ["i"] * 4,
            "match_start": [2, 4, 0, 4],
            "match_end": [3, 5, 1, 5],
            "match_no": [0, 0, 0, 1],
        },
        schema=got.schema,
    )
    assert_frame_equal(got, want)


# Names and places with and without diacritics, next to the non-ASCII non-word characters portals use.
PIECES = st.one_of(
    st.sampled_from(
        [
            "Mr. Nguyen Van Loi - Director of the Department, said",
            "Mr. Nguyễn Văn Lợi – Director",
            "Provincial Party Secretary Le Thi Thu",
            "Secretary Lê Thị Thu",
            "Thai Binh city",
            "Thái Bình",
            "Di An City",
            "the district",
            "5.6 million people",
            "12\u00a0ha",
            "5¼ km²",
            "Vu",
            "ễ",
            "\u00a0",
            " – ",
            "“",
            "”",
            " ",
            ", ",
            ". ",
        ]
    ),
    st.text(max_size=3),
)
TEXTS = st.lists(st.lists(PIECES, max_size=12).map("".join), min_size=1, max_size=6)


def _patterns(vocab: Vocabulary) -> list[str]:
    gazetteer = r"\b" + alternation(place_names(vocab.table("places"))["spelling"].to_list()) + r"\b"
    return [person_pattern(vocab), title_before_pattern(vocab), gazetteer, quantity_pattern(vocab)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=TEXTS)
def test_find_spans_finds_what_the_unicode_pattern_finds(vocab: Vocabulary, texts: list[str]) -> None:
    # Whichever pattern a row is scanned with, its spans are the Unicode pattern's matches, in order.
    frame = pl.LazyFrame({"row": list(range(len(texts))), "text": texts})
    for pattern in _patterns(vocab):
        spans = find_spans(frame, "text", pattern).collect()
        for row, text in enumerate(texts):
            expected = [m for m in pl.Series([text]).str.extract_all(f"(?s)(?:{pattern})")[0] if m]
            got = spans.filter(pl.col("row") == row)
            assert got["match"].to_list() == expected, (pattern[:40], text)
            for match in got.iter_rows(named=True):
                assert text[match["match_start"] : match["match_end"]] == match["match"]
