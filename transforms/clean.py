"""Lines of raw articles, each classified as content or CMS debris."""

from __future__ import annotations

import polars as pl

from transforms.vocabulary import Vocabulary

# Lines longer than this are paragraphs, never titles, bylines or captions.
TITLE_MAX_CHARS = 250
BYLINE_MAX_CHARS = 120
CAPTION_MAX_CHARS = 400

CONTENT_KINDS = ("title", "heading", "caption", "body")

_CAPTION_VERBS = (
    r"\b(?:speaks?|spoke|presents?|presented|delivers?|delivered|shares?|shared|chairs?|chaired"
    r"|attends?|attended|gives?|gave|awards?|awarded|visits?|visited|addresses|addressed"
    r"|takes? a (?:souvenir|group) photo|pose|poses)\b"
)
_CAPTION_OPENERS = r"^(?:Overview of|Delegates|Conference delegates|Scene of|Panorama of|Photo:)"


def _any(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns) if patterns else "$^"


def split_lines(docs: pl.LazyFrame) -> pl.LazyFrame:
    """One row per line: `doc_id, line_no, char_start, char_end, line` (offsets of the trimmed line)."""
    lines = (
        docs.select("doc_id", pl.col("text").str.split("\n").alias("raw_line"))
        .with_columns(line_no=pl.int_ranges(0, pl.col("raw_line").list.len()))
        .explode("raw_line", "line_no")
        .with_columns(raw_len=pl.col("raw_line").str.len_chars())
        .with_columns(
            line_start=(pl.col("raw_len") + 1).cum_sum().over("doc_id") - (pl.col("raw_len") + 1),
            line=pl.col("raw_line").str.strip_chars(),
        )
    )
    return lines.with_columns(
        char_start=pl.col("line_start")
        + pl.col("raw_len")
        - pl.col("raw_line").str.strip_chars_start().str.len_chars(),
    ).select(
        "doc_id",
        pl.col("line_no").cast(pl.Int32),
        pl.col("char_start").cast(pl.Int64),
        (pl.col("char_start") + pl.col("line").str.len_chars()).cast(pl.Int64).alias("char_end"),
        "line",
    )


def classify_lines(lines: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Lines with `line_kind`: title, publication, byline, heading, caption, body, debris or blank."""
    is_blank = pl.col("line").str.len_chars() == 0
    in_footer = (
        pl.col("line")
        .str.contains(_any(vocab.patterns("footer_start")))
        .cast(pl.Int8)
        .cum_max()
        .over("doc_id", order_by="line_no")
        .cast(pl.Boolean)
    )
    debris = _any(vocab.patterns("widget") + vocab.patterns("media") + vocab.patterns("cms_field"))
    short = pl.col("line").str.len_chars()
    no_terminal = ~pl.col("line").str.contains(r"[.!?:;…\"”]$")
    kinds = lines.with_columns(
        line_kind=pl.when(is_blank)
        .then(pl.lit("blank"))
        .when(in_footer | pl.col("line").str.contains(debris))
        .then(pl.lit("debris"))
        .when(pl.col("line").str.contains(_any(vocab.patterns("publication"))))
        .then(pl.lit("publication"))
        .when(pl.col("line").str.contains(_any(vocab.patterns("byline"))) & (short <= BYLINE_MAX_CHARS))
        .then(pl.lit("byline"))
        .when(
            (short <= CAPTION_MAX_CHARS)
            & (
                pl.col("line").str.contains(_CAPTION_OPENERS)
                | (pl.col("line").str.contains(_CAPTION_VERBS) & no_terminal)
                | (pl.col("line").str.contains(_CAPTION_VERBS) & (short <= 200))
            )
        )
        .then(pl.lit("caption"))
        .when((short <= TITLE_MAX_CHARS) & no_terminal)
        .then(pl.lit("heading"))
        .otherwise(pl.lit("body"))
    )
    # The title is the first content line when it looks like a headline; scrapes that
    # lost the headline start straight with a paragraph and get no title.
    first_content = pl.col("line_kind").is_in(["heading", "caption", "body"]) & (
        pl.col("line_no")
        == pl.col("line_no").filter(pl.col("line_kind").is_in(["heading", "caption", "body"])).min().over("doc_id")
    )
    return kinds.with_columns(
        line_kind=pl.when(first_content & (pl.col("line_kind") == "heading"))
        .then(pl.lit("title"))
        .otherwise(pl.col("line_kind"))
    )
