"""Tests of sentence splitting and of sentence offsets into the original text."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

LEAD = "The province has many achievements in building the Party and the political system."


@pytest.mark.parametrize(
    ("line", "sentences"),
    [
        # Honorific abbreviations do not end a sentence.
        ("Prof. Dr. Ta Ngoc Tan spoke. He left.", ["Prof. Dr. Ta Ngoc Tan spoke.", "He left."]),
        (
            "Assoc. Prof. Dr. Nguyen Quoc Dung and Mr. Thao met.",
            ["Assoc. Prof. Dr. Nguyen Quoc Dung and Mr. Thao met."],
        ),
        # "No." before a document number does not end a sentence.
        ("Resolution No. 03-NQ/TU was issued. It matters.", ["Resolution No. 03-NQ/TU was issued.", "It matters."]),
        # A decimal point is not a full stop.
        ("Growth was 5.6%/year. The rest followed.", ["Growth was 5.6%/year.", "The rest followed."]),
        # A period followed by a lower-case word or a comma continues the sentence.
        ("It was approx. ten units, etc., in all.", ["It was approx. ten units, etc., in all."]),
        # Question and exclamation marks end sentences; closing quotes stay with their sentence.
        ('Why? He said "We will." Then left!', ["Why?", 'He said "We will."', "Then left!"]),
        # A middle initial ("Nguyen V. A.") is not a sentence end.
        ("Nguyen V. Anh spoke. Done.", ["Nguyen V. Anh spoke.", "Done."]),
        # A last sentence without a full stop is still a sentence.
        ("First one. Second one", ["First one.", "Second one"]),
    ],
)
def test_split_sentences(sentences_of, assert_spans, line: str, sentences: list[str]) -> None:
    text = f"{LEAD}\n{line}"
    got = sentences_of(text).collect()
    assert got["sentence"].to_list() == [LEAD, *sentences]
    assert_spans(text, got, "sentence")


def test_sentence_offsets_and_numbers(sentences_of) -> None:
    # Offsets are into the original text (past the "\r\n" and the leading NBSP), and
    # sentences are numbered across lines in reading order.
    text = "Thứ 5, Ngày 25/05/2023, 15:00\r\n\u00a0 A first sentence. A second one.\r\nLast line here."
    got = sentences_of(text).collect().select("sentence_no", "line_no", "char_start", "char_end", "sentence")
    want = pl.DataFrame(
        {
            "sentence_no": [0, 1, 2],
            "line_no": [1, 1, 2],
            "char_start": [33, 51, 66],
            "char_end": [50, 64, 81],
            "sentence": ["A first sentence.", "A second one.", "Last line here."],
        },
        schema=got.schema,
    )
    assert_frame_equal(got, want)


@pytest.mark.parametrize(
    "line",
    [
        # Debris lines are never segmented, so nothing downstream reads them.
        "Cỡ chữ: Font size: Giảm (A-) Mặc định (A) Tăng (A+)",
        "Lượt người xem: \u00a0Views: \u00a0 292",
        "IMG_ông cdp5735.jpg",
        # Nor are publication lines and bylines.
        "Thứ 5, Ngày 25/05/2023, 15:00",
        "Reported by Phuong Chi- Translated by Thanh Tam",
    ],
)
def test_non_content_lines_have_no_sentences(sentences_of, line: str) -> None:
    got = sentences_of(f"{LEAD}\n{line}").collect()
    assert got["sentence"].to_list() == [LEAD]
