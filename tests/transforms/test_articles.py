"""Tests of article header fields and body built from classified lines."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.articles import build_articles, publication_dates
from transforms.clean import classify_lines, split_lines
from transforms.places import article_places, find_places
from transforms.segment import split_sentences

PARAGRAPH = "PORTAL - On the morning of May 24, Binh Duong held a seminar on Party building in enterprises."


def _article(lines_of, vocab, text: str) -> pl.DataFrame:
    lines = lines_of(text)
    places = article_places(find_places(split_sentences(lines), publication_dates(lines), vocab))
    return build_articles(lines, places).collect()


@pytest.mark.parametrize(
    ("publication_line", "published_at"),
    [
        # The portal's Vietnamese line: weekday number, date, time.
        ("Thứ 5, Ngày 25/05/2023, 15:00", dt.datetime(2023, 5, 25, 15, 0)),
        # Sunday is spelled out.
        ("Chủ Nhật, Ngày 22/10/2023, 09:00", dt.datetime(2023, 10, 22, 9, 0)),
        # No time: midnight.
        ("Thứ Hai, Ngày 13/11/2023", dt.datetime(2023, 11, 13, 0, 0)),
        # Single-digit day and month.
        ("Thứ 4, Ngày 1/3/2023, 7:05", dt.datetime(2023, 3, 1, 7, 5)),
        # The English form.
        ("Monday, 13/11/2023 09:30", dt.datetime(2023, 11, 13, 9, 30)),
        # An impossible date is no publication date (and no error).
        ("Thứ 5, Ngày 31/02/2023, 15:00", None),
        # A line that is only a date stamp: time first, a 12-hour clock, a label and dashes, month first.
        ("09:01, 21/01/2015", dt.datetime(2015, 1, 21, 9, 1)),
        ("5:36:31 PM | 21/5/2013", dt.datetime(2013, 5, 21, 17, 36)),
        ("Cập nhật: 26-02-2024 | 12:46:01", dt.datetime(2024, 2, 26, 12, 46)),
        ("3:40:19 PM | 8/21/2024", dt.datetime(2024, 8, 21, 15, 40)),
    ],
)
def test_published_at(lines_of, vocab, publication_line: str, published_at: dt.datetime | None) -> None:
    got = _article(lines_of, vocab, f"{publication_line}\nA headline\n{PARAGRAPH}")
    assert got["published_at"].to_list() == [published_at]


def test_no_publication_line_gives_null(lines_of, vocab) -> None:
    # A scrape without the header line has no publication date (events then get no date).
    got = _article(lines_of, vocab, PARAGRAPH)
    assert got["published_at"].to_list() == [None]


def test_build_articles_fields(lines_of, vocab) -> None:
    # A whole portal page: header, widget, paragraphs, caption, image, byline and CMS footer.
    text = "\n".join(
        [
            "Thứ 5, Ngày 25/05/2023, 15:00",
            "Discussing solutions to improve Party member development",
            "Cỡ chữ: Font size: Giảm (A-) Mặc định (A) Tăng (A+)",
            "",
            PARAGRAPH,
            "Overview of the Seminar",
            "\u00a0z4803732950284_6ec70a04c3ebe405df78e2f1b2949096 (1).jpg",
            "The seminar gathered experts from Binh Duong and Hanoi.",
            "Reported by\u00a0 Phuong Chi- Translated by Thanh Tam",
            "Lượt người xem: \u00a0Views: \u00a0 292",
            "Chia sẻ:",
            "Tóm tắt",
        ]
    )
    got = _article(lines_of, vocab, text)
    want = pl.DataFrame(
        {
            "doc_id": ["d"],
            "title": ["Discussing solutions to improve Party member development"],
            "published_at": [dt.datetime(2023, 5, 25, 15, 0)],
            "dateline": ["PORTAL"],
            "byline": ["Reported by\u00a0 Phuong Chi- Translated by Thanh Tam"],
            "body": [f"{PARAGRAPH}\nOverview of the Seminar\nThe seminar gathered experts from Binh Duong and Hanoi."],
            "place": ["Binh Duong"],
            "place_id": ["binh_duong"],
            "place_level": ["province"],
            "province_id": ["binh_duong"],
            "debris_lines": [5],
            # The paragraph breaks collapsed; the key is hashed from this on load.
            "content_text": [
                "Discussing solutions to improve Party member development "
                f"{PARAGRAPH} Overview of the Seminar The seminar gathered experts from Binh Duong and Hanoi."
            ],
        },
        schema=got.schema,
    )
    assert_frame_equal(got, want)


def test_one_row_per_document(vocab) -> None:
    # Two documents in one batch keep their own header fields.
    docs = pl.LazyFrame(
        {
            "doc_id": ["a", "b"],
            "text": [f"Thứ 5, Ngày 25/05/2023, 15:00\nHeadline A\n{PARAGRAPH}", f"Headline B\n{PARAGRAPH}"],
        }
    )
    lines = classify_lines(split_lines(docs), vocab)
    got = (
        build_articles(lines, article_places(find_places(split_sentences(lines), publication_dates(lines), vocab)))
        .collect()
        .sort("doc_id")
    )
    assert got.select("doc_id", "title", "published_at").rows() == [
        ("a", "Headline A", dt.datetime(2023, 5, 25, 15, 0)),
        ("b", "Headline B", None),
    ]
