"""The period a figure is about and whether it is an actual, an estimate, a target or a forecast.

A period is read as the text states it: a year ("in 2023"), a half ("the first half of 2023"), a quarter,
a month ("in April 2024"), a year to date ("the first nine months of 2023") or a span of years ("the
2021-2025 period"). The nearest period of the figure's sentence is its period; a sentence that states none
takes the period of the sentence before it or of an earlier sentence of its paragraph ("carried"). A period
without its year ("in the first quarter") takes the year of its sentence, of the sentence it was carried
from, or of the article's publication. "The same period last year" and "compared with 2022" name what a
change is measured against, never the figure's own period.

The kind of a figure comes from the words of its clause before it ("aims to reach", "estimated at",
"is forecast to") or right after it ("an 8% growth target"); the items of a list share the kind of the
first, and a figure of a period after the article's publication is a target unless the text says it is a
forecast.
"""

from __future__ import annotations

import polars as pl

from transforms.spans import find_parts

# How far from a figure, in characters, its sentence can state its period.
PERIOD_CHARS = 120
# How far back in its clause a figure's kind is said ("the province strives to ... reach 8%").
KIND_CHARS = 100
# Figures of one list this close together share their kind ("targets of 8% growth and 5,000 USD per capita").
LIST_GAP_CHARS = 60

_YEAR = r"(?:19|20)\d{2}"
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH_NO = {name.lower(): no for no, name in enumerate(_MONTHS, start=1)} | {
    name[:3].lower(): no for no, name in enumerate(_MONTHS, start=1)
}
_COUNT = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12,
}  # fmt: skip
_MONTH_NAME = "(?:" + "|".join(m for m in _MONTHS) + r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?)"


def _of_year(group: str) -> str:
    """An optional "of 2023" after a part of a year, its year in `group`."""
    return rf"(?:\s+(?i:of|in)\s+(?i:the\s+year\s+)?(?P<{group}>{_YEAR}))?"


# One pattern, alternatives most specific first; each names the groups it parses.
PERIOD = "|".join(
    [
        # What a figure is compared with: matched so that it is never taken for the figure's period.
        rf"(?P<base>(?i:(?:the\s+)?same\s+period(?:\s+(?:of|in))?(?:\s+(?:the\s+)?(?:last|previous|prior)\s+year)?"
        rf"|(?:compared\s+(?:to|with)|than(?:\s+in)?|against|versus|vs\.?)\s+(?:the\s+(?:year\s+)?)?(?:last\s+year"
        rf"|{_YEAR})))(?:\s+{_YEAR})?",
        # A span of years: "2021-2025", "from 2015 to 2020", "2021 to 2025".
        # ... or to a month of the last year: "from 2021 to June 2023".
        rf"(?P<span>(?i:from\s+)?(?P<span_from>{_YEAR})\s*(?:[-–—]|(?i:to|and|through))\s*"
        rf"(?:(?P<span_m>{_MONTH_NAME})\s+)?(?P<span_to>{_YEAR}))",
        # A year to date: "the first nine months of 2023", "the past 10 months".
        rf"(?P<ytd>(?i:(?:first|past|last)\s+(?P<ytd_n>two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
        rf"|\d{{1,2}})\s+months)){_of_year('ytd_y')}",
        rf"(?P<quarter>(?i:(?P<q_n>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)){_of_year('q_y')}",
        rf"(?P<qcode>(?-u:\b)Q(?P<qc_n>[1-4])(?:\s*[/-]\s*|\s+)(?P<qc_y>{_YEAR}))",
        rf"(?P<half>(?i:(?P<h_n>first|second|1st|2nd)\s+half)){_of_year('h_y')}",
        # A day of a month is a date: only its year is a period.
        rf"(?P<date>(?:{_MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+|\d{{1,2}}(?:st|nd|rd|th)?\s+(?i:of\s+)?"
        rf"{_MONTH_NAME},?\s+|\d{{1,2}}/\d{{1,2}}/)(?P<date_y>{_YEAR}))",
        rf"(?P<month>(?-u:\b)(?P<m_name>{_MONTH_NAME})(?:\s+(?P<m_y>{_YEAR}))?)(?-u:\b)",
        r"(?P<relative>(?i:(?P<rel>this|last|next)\s+year))",
        # The present is the year of publication: "the current population", "now has 9 districts".
        r"(?P<present>(?-u:\b)(?i:currently|at\s+present|presently|now|today"
        r"|the\s+current\s+(?:population|number|total|area|size))(?-u:\b))",
        rf"(?P<year>(?-u:\b){_YEAR}(?-u:\b))",
    ]
)

_CUE_TARGET = (
    r"targets?|targeted|targeting|aims?|aimed|aiming|strives?|striving|goals?|objectives?|plans?\s+to|planned"
    r"|planning\s+to|sets?\s+(?:a|the|out)|seeks?\s+to|intends?\s+to|must|to\s+be\s+raised"
)
# "Will" alone is as often a plain fact to come ("the road will span 29 km"): only "will reach" and the like.
_CUE_FORECAST = (
    r"forecasts?|forecasted|projected|projections?|predicted|predicts?|expects?|expected|anticipated|likely"
    r"|will\s+(?:further\s+)?(?:reach|increase|decrease|rise|grow|fall|drop|exceed|achieve|hit|total)"
)
_CUE_ESTIMATE = r"estimated|estimates?|preliminary|tentative"
# Past-tense verbs of a result: a figure after them is an actual, whatever target the clause named before.
_CUE_ACTUAL = (
    r"reached|achieved|exceeded|recorded|registered|hit|stood\s+at|totall?ed|amounted\s+to|rose|grew|fell"
    r"|dropped|declined|decreased|increased|attracted|collected|earned|completed|actual"
)
_CUES = (
    rf"(?i)(?-u:\b)(?:(?P<target>{_CUE_TARGET})|(?P<forecast>{_CUE_FORECAST})|(?P<estimate>{_CUE_ESTIMATE})"
    rf"|(?P<actual>{_CUE_ACTUAL}))(?-u:\b)"
)
# Said right after the figure: "an 8% growth target", "5,000 USD goal".
_CUE_AFTER = r"(?i)^\s*(?:[a-z]+\s+){0,2}?(?:targets?|goals?)(?-u:\b)"
# A figure compared with a plan or a target is an actual measured against it ("105% of the plan").
_OF_PLAN = r"(?i)^\s*(?:of|over|above|below)\s+(?:the\s+)?(?:[a-z]+\s+){0,2}?(?:plan|target|goal|estimate)"
# Words between two figures that end a list: what follows is said on its own terms.
_LIST_BREAK = r"(?i)(?-u:\b)(?:but|while|whereas|however|meanwhile|compared|against|than)(?-u:\b)|;"

PERIOD_COLUMNS = ("period", "period_type", "period_source", "period_start", "period_end")


def assign_periods(quantities: pl.LazyFrame, sentences: pl.LazyFrame, published: pl.LazyFrame) -> pl.LazyFrame:
    """Quantities with the period they are about.

    Adds `period` (its label: `2023`, `2023-H1`, `2023-Q3`, `2023-04`, `2023-9M`, `2021-2025`), `period_type`
    (year, half, quarter, month, year_to_date, years), `period_source` (sentence or carried), and the
    period's first and last days (`period_start`, `period_end`).
    """
    periods = _period_mentions(sentences, published)
    near = (
        quantities.select("doc_id", "sentence_no", "char_start", "match_start", "surface")
        .join(periods.filter(~pl.col("_is_base")), on=["doc_id", "sentence_no"])
        # A year inside the mention itself ("2020-2025 term") cannot be its period.
        .with_columns(_qe=pl.col("match_start") + pl.col("surface").str.len_chars())
        .filter((pl.col("_pe") <= pl.col("match_start")) | (pl.col("_ps") >= pl.col("_qe")))
        .with_columns(
            _distance=pl.when(pl.col("_pe") <= pl.col("match_start"))
            .then(pl.col("match_start") - pl.col("_pe"))
            .otherwise(pl.col("_ps") - pl.col("_qe"))
        )
        .filter(pl.col("_distance") <= PERIOD_CHARS)
        # A period past a semicolon is of the next clause's figures ("... is estimated at 8.56%; in 2023 ...").
        .join(sentences.select("doc_id", "sentence_no", "sentence"), on=["doc_id", "sentence_no"], how="left")
        .with_columns(
            _gap=pl.when(pl.col("_pe") <= pl.col("match_start"))
            .then(pl.col("sentence").str.slice(pl.col("_pe"), pl.col("_distance")))
            .otherwise(pl.col("sentence").str.slice(pl.col("_qe"), pl.col("_distance")))
        )
        .filter(~pl.col("_gap").str.contains(";", literal=True))
        .sort("_distance", "_ps")
        .group_by("doc_id", "char_start")
        .agg(pl.col("_type", "_year", "_part", "_year_to").first(), pl.col("_sentence_year").first())
        .with_columns(pl.lit("sentence").alias("period_source"))
    )
    carried = _carried(quantities, sentences, periods)
    found = quantities.join(near, on=["doc_id", "char_start"], how="left")
    found = (
        found.join(carried, on=["doc_id", "char_start"], how="left", suffix="_carried")
        .with_columns(
            [
                pl.when(pl.col("_type").is_null()).then(pl.col(f"{c}_carried")).otherwise(pl.col(c)).alias(c)
                for c in ("_type", "_year", "_part", "_year_to", "_sentence_year")
            ]
            + [
                pl.when(pl.col("period_source").is_null() & pl.col("_type_carried").is_not_null())
                .then(pl.lit("carried"))
                .otherwise(pl.col("period_source"))
                .alias("period_source")
            ]
        )
        .join(published, on="doc_id", how="left")
        # A period written without its year is of the year its sentence names, or else of the year published.
        .with_columns(_year=pl.coalesce("_year", "_sentence_year", pl.col("published_at").dt.year()).cast(pl.Int32))
    )
    labelled = _label(found)
    helpers = [c for c in labelled.collect_schema().names() if c.endswith("_carried") or c.startswith("_")]
    return labelled.drop(*helpers, "published_at")


def _period_mentions(sentences: pl.LazyFrame, published: pl.LazyFrame) -> pl.LazyFrame:
    """Every period a sentence states: `_type`, `_year`, `_part` (half, quarter, month or months), `_year_to`."""
    parts = find_parts(
        sentences.select("doc_id", "sentence_no", "line_no", "sentence"), "sentence", PERIOD, match_col="_period"
    )
    year = pl.coalesce(
        *(pl.col(g).cast(pl.Int32, strict=False) for g in ("span_from", "ytd_y", "q_y", "qc_y", "h_y", "date_y", "m_y"))
    )
    bare_year = pl.col("year").cast(pl.Int32, strict=False)
    published_year = pl.col("published_at").dt.year().cast(pl.Int32)
    relative_year = (
        pl.when(pl.col("rel").str.to_lowercase() == "last")
        .then(published_year - 1)
        .when(pl.col("rel").str.to_lowercase() == "next")
        .then(published_year + 1)
        .otherwise(published_year)
    )
    ordinal = pl.coalesce(
        *(
            pl.col(g).str.to_lowercase().replace_strict(_ORDINAL, default=None, return_dtype=pl.Int32)
            for g in ("q_n", "h_n")
        )
    )
    months = pl.col("ytd_n").str.to_lowercase()
    months = pl.coalesce(
        months.replace_strict(_COUNT, default=None, return_dtype=pl.Int32), months.cast(pl.Int32, strict=False)
    )
    month_no = (
        pl.col("m_name").str.to_lowercase().str.strip_chars(".").str.slice(0, 3)
        .replace_strict(_MONTH_NO, default=None, return_dtype=pl.Int32)
    )  # fmt: skip
    kind = (
        pl.when(pl.col("base").is_not_null())
        .then(pl.lit("base"))
        .when(pl.col("span").is_not_null())
        .then(pl.lit("years"))
        .when(pl.col("ytd").is_not_null())
        .then(
            pl.when(months == 12)
            .then(pl.lit("year"))
            .when(months == 6)
            .then(pl.lit("half"))
            .when(months == 3)
            .then(pl.lit("quarter"))
            .otherwise(pl.lit("year_to_date"))
        )
        .when(pl.col("quarter").is_not_null() | pl.col("qcode").is_not_null())
        .then(pl.lit("quarter"))
        .when(pl.col("half").is_not_null())
        .then(pl.lit("half"))
        .when(pl.col("month").is_not_null())
        .then(pl.lit("month"))
        .otherwise(pl.lit("year"))
    )
    span_month = (
        pl.col("span_m").str.to_lowercase().str.strip_chars(".").str.slice(0, 3)
        .replace_strict(_MONTH_NO, default=None, return_dtype=pl.Int32)
    )  # fmt: skip
    part = (
        pl.when(pl.col("span").is_not_null())
        .then(span_month)
        .when(pl.col("ytd").is_not_null())
        .then(pl.when(months == 6).then(1).when(months == 3).then(1).otherwise(months))
        .when(pl.col("qcode").is_not_null())
        .then(pl.col("qc_n").cast(pl.Int32, strict=False))
        .when(pl.col("month").is_not_null())
        .then(month_no)
        .otherwise(ordinal)
    )
    mentions = (
        parts.join(published, on="doc_id", how="left")
        .with_columns(
            _type=kind,
            _year=pl.when(pl.col("relative").is_not_null())
            .then(relative_year)
            .when(pl.col("present").is_not_null())
            .then(published_year)
            .otherwise(pl.coalesce(year, bare_year)),
            _part=part.cast(pl.Int32),
            _year_to=pl.col("span_to").cast(pl.Int32, strict=False),
            _is_base=pl.col("base").is_not_null(),
            _ps=pl.col("match_start"),
            _pe=pl.col("match_end"),
        )
        # "May" and "March" are words as well as months: a month without a year counts after "in" or "of".
        .filter(
            (pl.col("_type") != "month")
            | pl.col("m_y").is_not_null()
            | pl.col("sentence").str.slice(0, pl.col("_ps")).str.contains(r"(?i)(?:\bin|\bof|\bduring|\bby)\s+$")
        )
    )
    # The year a sentence names, for its periods written without one ("the first quarter").
    sentence_year = (
        mentions.filter(~pl.col("_is_base") & pl.col("_year").is_not_null())
        .group_by("doc_id", "sentence_no")
        .agg(pl.col("_year").sort_by("_ps").first().alias("_sentence_year"))
    )
    return mentions.join(sentence_year, on=["doc_id", "sentence_no"], how="left").select(
        "doc_id", "sentence_no", "line_no", "_type", "_year", "_part", "_year_to", "_is_base", "_ps", "_pe",
        "_sentence_year",
    )  # fmt: skip


def _carried(quantities: pl.LazyFrame, sentences: pl.LazyFrame, periods: pl.LazyFrame) -> pl.LazyFrame:
    """The period of the nearest earlier sentence stating one: the sentence before, or one of the same paragraph."""
    stated = (
        periods.filter(~pl.col("_is_base"))
        # A sentence's first period is its topic ("In 2023, ..."), the one the next sentence goes on about.
        .sort("doc_id", "sentence_no", "_ps")
        .group_by("doc_id", "sentence_no")
        .agg(pl.col("line_no", "_type", "_year", "_part", "_year_to", "_sentence_year").first())
        .rename({"sentence_no": "_from_sentence", "line_no": "_from_line"})
        .sort("_from_sentence")
    )
    lines = sentences.select("doc_id", "sentence_no", "line_no")
    return (
        quantities.select("doc_id", "sentence_no", "char_start")
        .join(lines, on=["doc_id", "sentence_no"], how="left")
        .with_columns(_before=pl.col("sentence_no") - 1)
        .sort("_before")
        # Both sides are sorted on the key, hence within each document.
        .join_asof(
            stated,
            left_on="_before",
            right_on="_from_sentence",
            by="doc_id",
            strategy="backward",
            check_sortedness=False,
        )
        .filter((pl.col("_from_sentence") == pl.col("_before")) | (pl.col("_from_line") == pl.col("line_no")))
        .select("doc_id", "char_start", "_type", "_year", "_part", "_year_to", "_sentence_year")
    )


def _label(found: pl.LazyFrame) -> pl.LazyFrame:
    """`period`, `period_type`, `period_start` and `period_end` from the parsed parts."""
    year, part, kind = pl.col("_year"), pl.col("_part"), pl.col("_type")
    known = year.is_not_null() & (kind != "base")
    first_month = (
        pl.when(kind == "half")
        .then((part - 1) * 6 + 1)
        .when(kind == "quarter")
        .then((part - 1) * 3 + 1)
        .when(kind == "month")
        .then(part)
        .otherwise(1)
    )
    last_month = (
        pl.when(kind == "half")
        .then(part * 6)
        .when(kind == "quarter")
        .then(part * 3)
        .when(kind.is_in(["month", "year_to_date"]) | ((kind == "years") & part.is_not_null()))
        .then(part)
        .otherwise(12)
    )
    last_year = pl.when(kind == "years").then(pl.col("_year_to")).otherwise(year)
    text_year = year.cast(pl.String)
    label = (
        # A span that ends in a month, as ISO 8601 writes an interval: 2021/2023-06.
        pl.when((kind == "years") & part.is_not_null())
        .then(
            pl.concat_str(
                text_year,
                pl.lit("/"),
                pl.col("_year_to").cast(pl.String),
                pl.lit("-"),
                part.cast(pl.String).str.zfill(2),
            )
        )
        .when(kind == "years")
        .then(pl.concat_str(text_year, pl.lit("-"), pl.col("_year_to").cast(pl.String)))
        .when(kind == "half")
        .then(pl.concat_str(text_year, pl.lit("-H"), part.cast(pl.String)))
        .when(kind == "quarter")
        .then(pl.concat_str(text_year, pl.lit("-Q"), part.cast(pl.String)))
        .when(kind == "month")
        .then(pl.concat_str(text_year, pl.lit("-"), part.cast(pl.String).str.zfill(2)))
        .when(kind == "year_to_date")
        .then(pl.concat_str(text_year, pl.lit("-"), part.cast(pl.String), pl.lit("M")))
        .otherwise(text_year)
    )
    valid = known & part.is_null().or_(part.is_between(1, 12)) & (kind != "years").or_(pl.col("_year_to") > year)
    start = pl.date(year, first_month, 1)
    end = pl.date(last_year, last_month, 1).dt.month_end()
    return found.with_columns(
        period=pl.when(valid).then(label),
        period_type=pl.when(valid).then(kind),
        period_source=pl.when(valid).then(pl.col("period_source")),
        period_start=pl.when(valid).then(start),
        period_end=pl.when(valid).then(end),
    )


def assign_kinds(quantities: pl.LazyFrame, sentences: pl.LazyFrame, published: pl.LazyFrame) -> pl.LazyFrame:
    """Quantities with `figure_kind`: actual, estimate, target or forecast (see the module's docstring)."""
    text = sentences.select("doc_id", "sentence_no", "sentence")
    ordered = (
        quantities.select("doc_id", "sentence_no", "char_start", "match_start", "surface", "base", "period_start")
        .join(text, on=["doc_id", "sentence_no"], how="left")
        .sort("doc_id", "sentence_no", "match_start")
        .with_columns(_qe=pl.col("match_start") + pl.col("surface").str.len_chars())
        .with_columns(_prev_end=pl.col("_qe").shift(1).over("doc_id", "sentence_no").fill_null(0))
    )
    window_start = pl.max_horizontal(pl.col("_prev_end"), pl.col("match_start") - KIND_CHARS)
    window = pl.col("sentence").str.slice(window_start, pl.col("match_start") - window_start)
    after = pl.col("sentence").str.slice(pl.col("_qe"), 40)
    gap = pl.col("sentence").str.slice(pl.col("_prev_end"), pl.col("match_start") - pl.col("_prev_end"))
    last_cue = window.str.extract_all(_CUES).list.last().str.to_lowercase()
    said = (
        pl.when(pl.col("base").eq("plan") | after.str.contains(_OF_PLAN))
        .then(pl.lit("actual"))
        .when(last_cue.str.contains(rf"^(?:{_CUE_ACTUAL})$"))
        .then(pl.lit("actual"))
        .when(last_cue.str.contains(rf"^(?:{_CUE_ESTIMATE})$"))
        .then(pl.lit("estimate"))
        .when(last_cue.str.contains(rf"^(?:{_CUE_FORECAST})$"))
        .then(pl.lit("forecast"))
        .when(last_cue.is_not_null() | after.str.contains(_CUE_AFTER))
        .then(pl.lit("target"))
    )
    kinds = (
        ordered.with_columns(_said=said, _gap=gap)
        # An item of a list without a word of its own is of the kind of the item before it.
        .with_columns(
            _inherits=pl.col("_said").is_null()
            & (pl.col("_prev_end") > 0)
            & (pl.col("_gap").str.len_chars() <= LIST_GAP_CHARS)
            & ~pl.col("_gap").str.contains(_LIST_BREAK)
        )
        # A list runs from a figure that does not inherit to the last that does.
        .with_columns(_list=(~pl.col("_inherits")).cum_sum().over("doc_id", "sentence_no"))
        .with_columns(_said=pl.col("_said").first().over("doc_id", "sentence_no", "_list"))
        .join(published, on="doc_id", how="left")
        .with_columns(
            figure_kind=pl.when(pl.col("_said").is_not_null())
            .then(pl.col("_said"))
            # Nothing said, of a period that starts after the article was published: a plan.
            .when(pl.col("period_start") > pl.col("published_at").dt.date())
            .then(pl.lit("target"))
            .otherwise(pl.lit("actual"))
        )
        .select("doc_id", "char_start", "figure_kind")
    )
    return quantities.join(kinds, on=["doc_id", "char_start"], how="left")
