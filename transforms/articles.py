"""Article header fields and body, from classified lines."""

from __future__ import annotations

import polars as pl

from transforms.clean import CONTENT_KINDS

# "Thứ 5, Ngày 25/05/2023, 15:00", "09:01, 21/01/2015", "5:36:31 PM | 21/5/2013", "Cập nhật: 26-02-2024 | 12:46":
# the portal's local time (Asia/Ho_Chi_Minh), day first.
_PUBLISHED_DATE = r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})"
_PUBLISHED_TIME = r"(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*([AaPp])[Mm])?"
# What RE2's (DuckDB's) `\s` matches: the article's content key is defined in SQL, over these runs.
# Only runs that are not already one space are rewritten: replacing every single space by itself cost
# four times the rest of the function.
_ASCII_SPACE_RUN = r"[\t\n\f\r ]{2,}|[\t\n\f\r]"
# "PORTAL - On the morning of May 24": the wire or portal name that opens the first paragraph.
_DATELINE = r"^(\p{Lu}[\p{Lu}\s]{2,30}?)\s*[-–—]\s+"


def publication_dates(lines: pl.LazyFrame) -> pl.LazyFrame:
    """One row per document with a publication line: `doc_id, published_at` (the portal's local time)."""
    first = lines.filter(pl.col("line_kind") == "publication").sort("doc_id", "line_no").group_by("doc_id").first()
    return first.select("doc_id", published_at=_stamp(pl.col("line")))


def _stamp(line: pl.Expr) -> pl.Expr:
    """The date and time of a publication line, day first unless only month first makes a date (8/21/2024)."""
    hour = line.str.extract(_PUBLISHED_TIME, 1).cast(pl.Int32, strict=False).fill_null(0)
    meridiem = line.str.extract(_PUBLISHED_TIME, 3).str.to_lowercase()
    hour = pl.when((meridiem == "p") & (hour < 12)).then(hour + 12).when((meridiem == "a") & (hour == 12)).then(0)
    hour = hour.otherwise(line.str.extract(_PUBLISHED_TIME, 1).cast(pl.Int32, strict=False).fill_null(0))
    stamp = pl.concat_str(
        *(line.str.extract(_PUBLISHED_DATE, group) for group in (1, 2, 3)),
        hour.cast(pl.String),
        line.str.extract(_PUBLISHED_TIME, 2).fill_null("00"),
        separator=" ",
    )
    # Day first, as the portals write; a second number above 12 can only be a day (8/21/2024, month first).
    return pl.coalesce(
        stamp.str.to_datetime("%d %m %Y %H %M", strict=False), stamp.str.to_datetime("%m %d %Y %H %M", strict=False)
    )


def build_articles(lines: pl.LazyFrame, places: pl.LazyFrame) -> pl.LazyFrame:
    """One row per document: `doc_id, title, published_at, dateline, byline, body`, and its place.

    The place is the most specific unit the article is about (`place_id`, `place_level`), with its province
    (`province_id`).

    Plus `content_text`, title and body with white space collapsed, from which the loader hashes the
    content key (`staging.content_key`): collapsing it here runs on the extraction's workers.
    """
    ordered = lines.sort("doc_id", "line_no")
    header = ordered.group_by("doc_id").agg(
        pl.col("line").filter(pl.col("line_kind") == "title").first().alias("title"),
        pl.col("line").filter(pl.col("line_kind") == "publication").first().alias("_pub_line"),
        pl.col("line").filter(pl.col("line_kind") == "byline").str.join("; ").alias("byline"),
        pl.col("line").filter(pl.col("line_kind").is_in(CONTENT_KINDS[1:])).str.join("\n").alias("body"),
        pl.col("line").filter(pl.col("line_kind") == "body").first().alias("_first_body"),
        pl.col("line_kind").filter(pl.col("line_kind") == "debris").len().alias("debris_lines"),
    )
    return (
        header.with_columns(
            published_at=_stamp(pl.col("_pub_line")),
            dateline=pl.col("_first_body").str.extract(_DATELINE, 1),
            byline=pl.col("byline").replace("", None),
        )
        .join(places.select("doc_id", "place", "place_id", "place_level", "province_id"), on="doc_id", how="left")
        .with_columns(content_text=content_text(pl.col("title"), pl.col("body")))
        .select(
            "doc_id",
            "title",
            "published_at",
            "dateline",
            "byline",
            "body",
            "place",
            "place_id",
            "place_level",
            "province_id",
            "debris_lines",
            "content_text",
        )
    )


def content_text(title: pl.Expr, body: pl.Expr) -> pl.Expr:
    """Title and body joined by a space, runs of ASCII white space as one space: `staging.content_key`'s input."""
    return pl.concat_str(title.fill_null(""), pl.lit(" "), body.fill_null("")).str.replace_all(_ASCII_SPACE_RUN, " ")
