"""Tests of dated events and of their dates resolved against the publication date."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.events import find_events

COLUMNS = ["date_text", "kind", "place", "event_date"]
SCHEMA = {"date_text": pl.String, "kind": pl.String, "place": pl.String, "event_date": pl.Date}
PUBLISHED = dt.datetime(2023, 5, 25, 15, 0)


def _articles(published_at: dt.datetime | None) -> pl.LazyFrame:
    return pl.LazyFrame(
        {"doc_id": ["d"], "published_at": [published_at]},
        schema={"doc_id": pl.String, "published_at": pl.Datetime("us")},
    )


@pytest.mark.parametrize(
    ("text", "published_at", "expected"),
    [
        # The day before publication, in the publication year; the place after the date.
        (
            "PORTAL - On the morning of May 24, in Thu Dau Mot City, the school held a scientific seminar.",
            PUBLISHED,
            [("On the morning of May 24", "seminar", "Thu Dau Mot City", dt.date(2023, 5, 24))],
        ),
        # "at the" before the place is left out.
        (
            "On the morning of October 21, at the Provincial Administration Center, they held a scientific discussion.",
            dt.datetime(2023, 10, 22, 9, 0),
            [("On the morning of October 21", "discussion", "Provincial Administration Center", dt.date(2023, 10, 21))],
        ),
        # The publication day itself is not after publication.
        ("On May 25, the committee held a meeting.", PUBLISHED, [("On May 25", "meeting", None, dt.date(2023, 5, 25))]),
        # A date after the publication date is from the year before.
        (
            "On December 30, the committee held a conference.",
            dt.datetime(2023, 1, 5, 8, 0),
            [("On December 30", "conference", None, dt.date(2022, 12, 30))],
        ),
        # Day/month written with a slash.
        ("On 24/5, delegates attended a workshop.", PUBLISHED, [("On 24/5", "workshop", None, dt.date(2023, 5, 24))]),
        # A written year wins over the publication year.
        (
            "On 24/5/2021, delegates attended a workshop.",
            PUBLISHED,
            [("On 24/5/2021", "workshop", None, dt.date(2021, 5, 24))],
        ),
        (
            "On May 24, 2019, the province held a festival.",
            PUBLISHED,
            [("On May 24, 2019", "festival", None, dt.date(2019, 5, 24))],
        ),
        # Without a publication date the year is unknown: the event is kept, its date is NULL.
        (
            "Implementing the program, on November 13, the Standing Committee convened an expanded meeting.",
            None,
            [("on November 13", "meeting", None, None)],
        ),
        # A leap day resolves in a leap publication year.
        (
            "On 29/02, they held a ceremony.",
            dt.datetime(2024, 3, 1),
            [("On 29/02", "ceremony", None, dt.date(2024, 2, 29))],
        ),
        # A day that is not in the calendar gives a NULL date instead of an error.
        ("On 29/02, they held a ceremony.", dt.datetime(2023, 3, 1), [("On 29/02", "ceremony", None, None)]),
        ("On 31/02, they held a meeting.", PUBLISHED, [("On 31/02", "meeting", None, None)]),
        ("On 45/13, they held a meeting.", PUBLISHED, [("On 45/13", "meeting", None, None)]),
        # A synonym maps to its kind.
        ("On May 20, experts joined a symposium.", PUBLISHED, [("On May 20", "seminar", None, dt.date(2023, 5, 20))]),
    ],
)
def test_find_events(
    sentences_of, vocab, assert_spans, text: str, published_at: dt.datetime | None, expected: list[tuple]
) -> None:
    got = find_events(sentences_of(text), _articles(published_at), vocab).collect()
    want = pl.DataFrame(expected, schema=SCHEMA, orient="row")
    assert_frame_equal(got.select(COLUMNS), want)
    assert_spans(text, got, "date_text")


@pytest.mark.parametrize(
    "text",
    [
        # A date that belongs to a document reference.
        "Resolution No. 5 dated May 18, 2021 on the seminar was issued.",
        # A date with no kind of event after it.
        "On May 24, the weather was fine.",
        # The kind comes before the date: the sentence does not say the event was that day.
        "The meeting discussed the results up to May 24.",
        # A month without a day.
        "The seminar is in upcoming November.",
    ],
)
def test_non_events_are_not_extracted(sentences_of, vocab, text: str) -> None:
    assert find_events(sentences_of(text), _articles(PUBLISHED), vocab).collect()["date_text"].to_list() == []
