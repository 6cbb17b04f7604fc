"""Regex matches with character offsets, computed by polars expressions."""

from __future__ import annotations

import polars as pl


def alternation(words: list[str], *, escape: bool = True) -> str:
    """A non-capturing regex alternation, longest word first so that it wins."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    parts = [_escape(w) if escape else w for w in unique]
    return "(?:" + "|".join(parts) + ")"


def _escape(word: str) -> str:
    specials = set(r"\.^$|?*+()[]{}-&~#")
    # Portals mix plain and non-breaking spaces inside multi-word terms.
    return "".join(r"\s+" if c == " " else "\\" + c if c in specials else c for c in word)


def find_spans(
    frame: pl.LazyFrame,
    text_col: str,
    pattern: str,
    *,
    match_col: str = "match",
) -> pl.LazyFrame:
    """Rows of every non-overlapping match of `pattern` in `text_col`, with offsets.

    Polars returns matches without positions, so the text is scanned twice: once for the
    matches, once with a lazy prefix that makes the pieces tile the text (each piece is the
    gap before a match plus the match). Both scans find the same matches in the same order,
    so the running sum of piece lengths (in characters, like DuckDB's `substr`) is each
    match's end. Adds `match_start`/`match_end` (relative to the text) and `match_no`.
    """
    tiled = f"(?s).*?(?:{pattern})"
    plain = f"(?s)(?:{pattern})"
    return (
        frame.with_row_index("_text_row")
        .with_columns(
            _pieces=pl.col(text_col).str.extract_all(tiled),
            **{match_col: pl.col(text_col).str.extract_all(plain)},
        )
        .with_columns(match_no=pl.int_ranges(0, pl.col("_pieces").list.len()))
        .explode("_pieces", match_col, "match_no")
        .filter(pl.col("_pieces").is_not_null())
        .with_columns(match_end=pl.col("_pieces").str.len_chars().cum_sum().over("_text_row"))
        .with_columns(match_start=pl.col("match_end") - pl.col(match_col).str.len_chars())
        .filter(pl.col(match_col).str.len_chars() > 0)
        .drop("_text_row", "_pieces")
    )


def find_parts(frame: pl.LazyFrame, text_col: str, pattern: str, *, match_col: str = "match") -> pl.LazyFrame:
    """`find_spans`, plus one column per named group of `pattern` holding that part of the match."""
    spans = find_spans(frame, text_col, pattern, match_col=match_col)
    return spans.with_columns(pl.col(match_col).str.extract_groups(f"^(?:{pattern})$").alias("_parts")).unnest("_parts")


def with_digits(sentences: pl.LazyFrame) -> pl.LazyFrame:
    """Sentences holding at least one digit: the only ones a figure, date or number can be in."""
    return sentences.filter(pl.col("sentence").str.contains(r"[0-9]", literal=False))
