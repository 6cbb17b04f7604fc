"""Meetings, seminars and conferences with their date resolved against the publication date."""

from __future__ import annotations

import polars as pl

from transforms.documents import MONTHS
from transforms.spans import find_parts, with_digits
from transforms.vocabulary import Vocabulary

# "On the morning of May 24", "on November 13", "On 24/5".
EVENT_DATE = (
    rf"(?-u:\b)(?:[Oo]n\s+)?(?:the\s+(?:morning|afternoon|evening|night)\s+of\s+)?"
    rf"(?:(?P<month>{MONTHS})\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|(?P<dday>\d{{1,2}})/(?P<dmonth>\d{{1,2}})(?:/(?P<dyear>\d{{4}}))?)(?-u:\b)"
)
# "..., in Thu Dau Mot City," / "..., at the Provincial Administration Center,".
_PLACE_AFTER = r"^,?\s+(?:in|at)\s+(?:the\s+)?((?:\p{Lu}[\p{L}'’\-]*\s*)+)"


def find_events(sentences: pl.LazyFrame, articles: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Events: `doc_id, sentence_no, char_start, char_end, date_text, kind, place, event_date`.

    A sentence is an event when it gives a day followed by a kind of event; the year, when not
    written, is the publication year (the previous one if that date would be after publication).
    """
    kinds = vocab.table("event_kinds")
    kind_re = r"(?i)(?-u:\b)(" + vocab.regex("event_kinds", "word")[3:-1] + r")(?-u:\b)"
    parts = find_parts(
        with_digits(sentences).select("doc_id", "sentence_no", "char_start", "sentence"),
        "sentence",
        EVENT_DATE,
        match_col="date_text",
    )
    published = articles.select("doc_id", pl.col("published_at").dt.date().alias("_pub"))
    month_no = pl.col("month").replace_strict(
        {m: i + 1 for i, m in enumerate(MONTHS.split("|"))}, default=None, return_dtype=pl.Int32
    )
    with_kind = (
        parts.with_columns(
            _before=pl.col("sentence").str.slice(0, pl.col("match_start")),
            _after=pl.col("sentence").str.slice(pl.col("match_end")),
        )
        # A date after "dated" belongs to a document reference, not to an event.
        .filter(~pl.col("_before").str.contains(r"(?i)\b(?:dated|issued on|of)\s*$"))
        .with_columns(
            # The event is what the sentence says happened on that day, so its kind follows the date.
            _word=pl.col("_after").str.extract(kind_re, 1).str.to_lowercase(),
            place=pl.col("_after").str.extract(_PLACE_AFTER, 1).str.strip_chars(" ,"),
            _month=pl.coalesce(month_no, pl.col("dmonth").cast(pl.Int32, strict=False)),
            _day=pl.coalesce(pl.col("day"), pl.col("dday")).cast(pl.Int32, strict=False),
            _year=pl.coalesce(pl.col("year"), pl.col("dyear")).cast(pl.Int32, strict=False),
        )
        .filter(pl.col("_word").is_not_null())
        .join(kinds.lazy().select(pl.col("word").alias("_word"), "kind"), on="_word", how="left")
        .join(published, on="doc_id", how="left")
    )
    same_year = _date(pl.coalesce("_year", pl.col("_pub").dt.year()), pl.col("_month"), pl.col("_day"))
    event_date = (
        pl.when(pl.col("_year").is_not_null())
        .then(same_year)
        .when(pl.col("_pub").is_null())
        .then(None)
        .when(same_year > pl.col("_pub"))
        .then(_date(pl.col("_pub").dt.year() - 1, pl.col("_month"), pl.col("_day")))
        .otherwise(same_year)
    )
    return with_kind.select(
        "doc_id",
        "sentence_no",
        (pl.col("char_start") + pl.col("match_start")).alias("char_start"),
        (pl.col("char_start") + pl.col("match_end")).alias("char_end"),
        pl.col("date_text").str.strip_chars(),
        "kind",
        "place",
        event_date.alias("event_date"),
    )


def _date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    # `pl.date` raises on "On 31/02" or "On 45/13"; a day that is not in the calendar gives NULL.
    return pl.concat_str([year, month, day], separator="-").str.to_date("%Y-%m-%d", strict=False)
