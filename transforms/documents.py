"""References to numbered legal and Party documents ("Resolution No. 03-NQ/TU dated November 25, 2021")."""

from __future__ import annotations

import polars as pl

from transforms.spans import find_parts, with_digits
from transforms.vocabulary import Vocabulary

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# "November 25, 2021", "25/11/2021", "25-11-2021".
DATE_WRITTEN = rf"(?:(?:{MONTHS})\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}[/-]\d{{1,2}}[/-]\d{{4}})"
# "03-NQ/TU", "21-KL/TW", "202/2025/QH15", "3".
DOC_NUMBER = r"\d+(?:[-/][\p{L}\d]+(?:[-/][\p{L}\d]+)*)?"


def document_pattern(vocab: Vocabulary) -> str:
    """Regex of a numbered document mention, with named groups."""
    types = vocab.regex("document_types", "doc_type")
    return (
        rf"(?P<doc_type>{types})\s+(?:(?:No|no|Number|number)\.?\s*)?(?P<number>{DOC_NUMBER})(?-u:\b)"
        rf"(?:,?\s+(?:dated|issued on|of)\s+(?P<date>{DATE_WRITTEN}))?"
    )


def parse_date(col: str) -> pl.Expr:
    """A written date ("November 25, 2021", "25/11/2021") as a DATE, NULL when it is not one."""
    text = pl.col(col).str.replace_all(r"\s+", " ").str.replace(r",", "")
    return pl.coalesce(
        text.str.to_date("%B %d %Y", strict=False),
        text.str.to_date("%d/%m/%Y", strict=False),
        text.str.to_date("%d-%m-%Y", strict=False),
    )


def find_document_refs(sentences: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Document references: `doc_id, sentence_no, char_start, char_end, surface, doc_type, number, issued_on`."""
    pattern = vocab.built("document_pattern", lambda: document_pattern(vocab))
    codes = (
        vocab.table("document_types")
        .select(pl.col("code").alias("_code"), pl.col("doc_type").alias("_code_type"))
        .unique("_code", keep="first")
    )
    parts = find_parts(
        with_digits(sentences).select("doc_id", "sentence_no", "char_start", "sentence"),
        "sentence",
        pattern,
        match_col="surface",
    )
    return (
        parts.with_columns(
            _code=pl.col("number").str.extract(r"^\d+-(\p{L}+)/"),
            doc_type=pl.col("doc_type").str.to_titlecase(),
            issued_on=parse_date("date"),
        )
        .join(codes.lazy(), on="_code", how="left")
        # "the Plan 2021-2025" names a period, not a document number.
        .filter(~pl.col("number").str.contains(r"^(?:19|20)\d{2}(?:[-/](?:19|20)?\d{2})?$"))
        .select(
            "doc_id",
            "sentence_no",
            (pl.col("char_start") + pl.col("match_start")).alias("char_start"),
            (pl.col("char_start") + pl.col("match_end")).alias("char_end"),
            "surface",
            "doc_type",
            "number",
            "issued_on",
            pl.col("_code_type").alias("code_doc_type"),
        )
    )
