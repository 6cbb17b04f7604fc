"""Sentences of article content lines, with offsets into the original text."""

from __future__ import annotations

import polars as pl

from transforms.clean import CONTENT_KINDS

# Abbreviations whose period does not end a sentence ("Prof. Dr.", "No. 03", "Assoc.").
_ABBREVIATIONS = (
    "Assoc|Prof|Dr|Mr|Mrs|Ms|Mdm|MSc|M\\.Sc|Ph\\.D|PhD|No|no|Nos|Gen|Lt|Col|Maj|Capt|Sen"
    "|Rep|St|Ltd|Jr|Sr|vs|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_TOKEN = rf"(?:(?-u:\b)(?:{_ABBREVIATIONS})\.|\s[A-Z]\.|\.\d|\.[ \t]*[a-z,;]|[^.!?])"
# Every position starts a match, so the matches tile the line and their lengths add up.
SENTENCE = rf"{_TOKEN}*(?:[.!?]+[\"”’)\]]*\s*|$)"


def split_sentences(lines: pl.LazyFrame) -> pl.LazyFrame:
    """One row per sentence of content lines, with its line, kind and offsets into the original text."""
    pieces = (
        lines.filter(pl.col("line_kind").is_in(CONTENT_KINDS))
        .with_columns(_piece=pl.col("line").str.extract_all(SENTENCE))
        .explode("_piece")
        .filter(pl.col("_piece").is_not_null())
        .with_columns(_len=pl.col("_piece").str.len_chars())
        .with_columns(
            _offset=pl.col("_len").cum_sum().over("doc_id", "line_no") - pl.col("_len"),
            sentence=pl.col("_piece").str.strip_chars(),
        )
        .filter(pl.col("sentence").str.len_chars() > 0)
    )
    return (
        pieces.with_columns(
            char_start=pl.col("char_start")
            + pl.col("_offset")
            + pl.col("_len")
            - pl.col("_piece").str.strip_chars_start().str.len_chars()
        )
        .with_columns(char_end=pl.col("char_start") + pl.col("sentence").str.len_chars())
        .with_columns(sentence_no=pl.int_range(pl.len()).over("doc_id", order_by=["line_no", "char_start"]))
        .select(
            "doc_id",
            pl.col("sentence_no").cast(pl.Int32),
            "line_no",
            "line_kind",
            "char_start",
            "char_end",
            "sentence",
        )
    )
