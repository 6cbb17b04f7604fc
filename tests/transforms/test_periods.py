"""Tests of the period a figure is about and of its kind (actual, estimate, target, forecast)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from transforms.periods import assign_kinds, assign_periods
from transforms.quantities import assign_metrics, find_quantities

PUBLISHED = datetime(2024, 3, 15, 9, 0)


def _periods(sentences_of, vocab, text: str, published: datetime | None = PUBLISHED) -> pl.DataFrame:
    sentences = sentences_of(text)
    dates = pl.LazyFrame(
        {"doc_id": ["d"], "published_at": [published]}, schema={"doc_id": pl.String, "published_at": pl.Datetime("us")}
    )
    quantities = assign_metrics(find_quantities(sentences, vocab), sentences, vocab)
    return assign_kinds(assign_periods(quantities, sentences, dates), sentences, dates).collect()


@pytest.mark.parametrize(
    ("text", "surface", "period", "period_type", "source"),
    [
        ("In 2022, the province had 5 schools.", "5 schools", "2022", "year", "sentence"),
        # A span of years, its en dash normalised, and one written with words.
        ("In the 2021–2025 period, growth was 7.1% per year.", "7.1% per year", "2021-2025", "years", "sentence"),
        ("From 2015 to 2020, FDI reached 37 billion USD.", "37 billion USD", "2015-2020", "years", "sentence"),
        # A span that ends in a month of its last year.
        (
            "From 2021 to June 2023, the province licensed 274 projects.",
            "274 projects",
            "2021/2023-06",
            "years",
            "sentence",
        ),
        # Parts of a year.
        (
            "In the first nine months of 2023, exports reached USD 5 billion.",
            "USD 5 billion",
            "2023-9M",
            "year_to_date",
            "sentence",
        ),
        (
            "In the first six months of 2023, exports reached USD 3 billion.",
            "USD 3 billion",
            "2023-H1",
            "half",
            "sentence",
        ),
        ("GRDP grew 6.2% in the second quarter of 2023.", "6.2%", "2023-Q2", "quarter", "sentence"),
        ("In Q3/2023, exports reached USD 2 billion.", "USD 2 billion", "2023-Q3", "quarter", "sentence"),
        (
            "In the second half of 2022, retail sales reached VND 80 billion.",
            "VND 80 billion",
            "2022-H2",
            "half",
            "sentence",
        ),
        ("In April 2024, the city welcomed 300,000 visitors.", "300,000 visitors", "2024-04", "month", "sentence"),
        # A part of a year without its year is of the year published; "this year" too.
        ("In the first quarter, exports reached USD 2 billion.", "USD 2 billion", "2024-Q1", "quarter", "sentence"),
        ("This year, the province collected VND 900 billion.", "VND 900 billion", "2024", "year", "sentence"),
        ("Last year, the province collected VND 800 billion.", "VND 800 billion", "2023", "year", "sentence"),
        # The present is the year published, and is not carried over from an earlier year.
        ("Founded in 1997, the province currently has 9 districts.", "9 districts", "2024", "year", "sentence"),
        # Not past a semicolon: a period there is of the next clause.
        (
            "Growth in the 3 years (2021 - 2023) was 8.56%; the economy in 2023 grew 1.3 times.",
            "8.56%",
            "2021-2023",
            "years",
            "sentence",
        ),
        # What a change is compared with is not the figure's period.
        ("Exports rose 10% over the same period last year.", "10%", None, None, None),
        ("Exports rose 10% compared with 2022.", "10%", None, None, None),
        # The day of a meeting is a date: its year is the period.
        ("On April 5, 2023, the board licensed 12 projects.", "12 projects", "2023", "year", "sentence"),
        # A year inside the mention is not its period.
        ("The province had 5 schools.", "5 schools", None, None, None),
    ],
)
def test_periods_stated_in_the_sentence(sentences_of, vocab, text, surface, period, period_type, source) -> None:
    got = _periods(sentences_of, vocab, text).filter(pl.col("surface") == surface)
    assert got.select("period", "period_type", "period_source").rows() == [(period, period_type, source)]


def test_period_bounds_of_parts(sentences_of, vocab) -> None:
    text = "In the first nine months of 2023, exports reached USD 5 billion. From 2021 to 2025, FDI was USD 9 billion."
    got = _periods(sentences_of, vocab, text)
    bounds = dict(zip(got["surface"], zip(got["period_start"], got["period_end"], strict=True), strict=True))
    assert bounds["USD 5 billion"] == (date(2023, 1, 1), date(2023, 9, 30))
    assert bounds["USD 9 billion"] == (date(2021, 1, 1), date(2025, 12, 31))
    got = _periods(sentences_of, vocab, "From 2021 to June 2023, the province licensed 274 projects.")
    assert got.select("period_start", "period_end").rows() == [(date(2021, 1, 1), date(2023, 6, 30))]


def test_a_period_is_carried_from_the_sentence_before(sentences_of, vocab) -> None:
    text = (
        "The province's budget for 2023 was approved in December. Budget revenue was VND 1,000 billion.\n"
        "The province has 12 districts."
    )
    got = _periods(sentences_of, vocab, text)
    assert got.filter(pl.col("surface") == "VND 1,000 billion").select("period", "period_source").rows() == [
        ("2023", "carried")
    ]
    # Not across a paragraph and past the sentence before.
    assert got.filter(pl.col("surface") == "12 districts")["period"].to_list() == [None]


def test_the_present_is_not_carried_from_the_past(sentences_of, vocab) -> None:
    text = "The city was named a grade I urban area in 2017. The current population is over 2.6 million people."
    got = _periods(sentences_of, vocab, text)
    assert got.filter(pl.col("surface") == "over 2.6 million people").select("period", "period_source").rows() == [
        ("2024", "sentence")
    ]


def test_no_publication_date_leaves_a_yearless_period_unknown(sentences_of, vocab) -> None:
    got = _periods(sentences_of, vocab, "In the first quarter, exports reached USD 2 billion.", published=None)
    assert got["period"].to_list() == [None]


@pytest.mark.parametrize(
    ("text", "surface", "kind"),
    [
        ("In 2023, GRDP grew by 7.2%.", "7.2%", "actual"),
        ("The province aims to reach GRDP growth of 8% in 2024.", "8%", "target"),
        ("The province set an 8% growth target for 2024.", "8%", "target"),
        ("Budget revenue in 2023 was estimated at VND 900 billion.", "VND 900 billion", "estimate"),
        ("GRDP is projected to grow 6.5% in 2023.", "6.5%", "forecast"),
        # A result against a plan is an actual, however the plan is named.
        ("Budget revenue reached 105% of the plan in 2023.", "105%", "actual"),
        # The items of a list share the kind of the first; a contrast ends the list.
        ("In 2024 the city strives to attract 15 projects and 500 million USD of FDI.", "500 million USD", "target"),
        ("The target was 8% growth, while growth in 2023 reached 7.2%.", "7.2%", "actual"),
        # Nothing said, of a period after publication: a plan.
        ("By 2030, the province has 50 industrial parks.", "50 industrial parks", "target"),
    ],
)
def test_figure_kinds(sentences_of, vocab, text: str, surface: str, kind: str) -> None:
    got = _periods(sentences_of, vocab, text).filter(pl.col("surface") == surface)
    assert got["figure_kind"].to_list() == [kind]
