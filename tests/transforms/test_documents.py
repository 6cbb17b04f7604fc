"""Tests of references to numbered legal and Party documents."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.documents import find_document_refs

COLUMNS = ["surface", "doc_type", "number", "issued_on", "code_doc_type"]
SCHEMA = {
    "surface": pl.String,
    "doc_type": pl.String,
    "number": pl.String,
    "issued_on": pl.Date,
    "code_doc_type": pl.String,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A Party code number with a date written in words; the code "NQ" confirms the type.
        (
            "Resolution No. 03-NQ/TU dated November 25, 2021 was issued.",
            [
                (
                    "Resolution No. 03-NQ/TU dated November 25, 2021",
                    "Resolution",
                    "03-NQ/TU",
                    dt.date(2021, 11, 25),
                    "Resolution",
                )
            ],
        ),
        # A comma before "dated" and a zero-padded day.
        (
            "It follows Program No. 25-CTr/TU, dated July 07, 2021.",
            [("Program No. 25-CTr/TU, dated July 07, 2021", "Program", "25-CTr/TU", dt.date(2021, 7, 7), "Program")],
        ),
        # A day/month/year date is read day first.
        (
            "Under Decision No. 1234/QD-UBND dated 12/03/2022 the plan applies.",
            [("Decision No. 1234/QD-UBND dated 12/03/2022", "Decision", "1234/QD-UBND", dt.date(2022, 3, 12), None)],
        ),
        # A state document number and "of" before the date.
        (
            "Decree 15/2021/ND-CP of March 1, 2021 applies.",
            [("Decree 15/2021/ND-CP of March 1, 2021", "Decree", "15/2021/ND-CP", dt.date(2021, 3, 1), None)],
        ),
        # No date.
        (
            "Implement Directive No. 05-CT/TW well.",
            [("Directive No. 05-CT/TW", "Directive", "05-CT/TW", None, "Directive")],
        ),
        # A plain number, lower-case "no.".
        ("It implements Resolution no. 3 of the Party.", [("Resolution no. 3", "Resolution", "3", None, None)]),
        # An impossible date keeps the reference and leaves the date empty.
        (
            "Resolution No. 5 dated 31/02/2021 applies.",
            [("Resolution No. 5 dated 31/02/2021", "Resolution", "5", None, None)],
        ),
        # Two references in one sentence, in order.
        (
            "Conclusion No. 21-KL/TW and Resolution 4 guide the work.",
            [
                ("Conclusion No. 21-KL/TW", "Conclusion", "21-KL/TW", None, "Conclusion"),
                ("Resolution 4", "Resolution", "4", None, None),
            ],
        ),
    ],
)
def test_find_document_refs(sentences_of, vocab, assert_spans, text: str, expected: list[tuple]) -> None:
    got = find_document_refs(sentences_of(text), vocab).collect().sort("char_start")
    want = pl.DataFrame(expected, schema=SCHEMA, orient="row")
    assert_frame_equal(got.select(COLUMNS), want)
    assert_spans(text, got, "surface")


@pytest.mark.parametrize(
    "text",
    [
        # A plan named by its period has no number.
        "The Plan 2021-2025 was adopted.",
        "The Project 2030 was adopted.",
        # Unnumbered resolutions of congresses.
        "Implement the Resolution of the 13th National Congress.",
        # A type word without a number.
        "The Decision was welcomed.",
    ],
)
def test_non_documents_are_not_extracted(sentences_of, vocab, text: str) -> None:
    assert find_document_refs(sentences_of(text), vocab).collect()["surface"].to_list() == []
