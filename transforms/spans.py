"""Regex matches with character offsets, computed by polars expressions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import polars as pl

# A letter, digit or mark outside ASCII: the only characters on either side of which a Unicode `\b`
# and an ASCII `(?-u:\b)` can disagree.
_NON_ASCII_WORD_CHAR = r"[\w&&[^\x00-\x7F]]"
# Unicode classes and what they match in a text without `_NON_ASCII_WORD_CHAR`.
_ASCII_EQUIVALENTS = {r"\b": r"(?-u:\b)", r"\p{Lu}": "[A-Z]", r"\p{Ll}": "[a-z]", r"\p{L}": "[A-Za-z]", r"\d": "[0-9]"}
# One escape (read one at a time so that "\\b" stays a backslash and a "b"), or an ASCII boundary.
_ESCAPE = re.compile(r"\(\?-u:\\b\)|\\p\{\w+\}|\\.")


def alternation(words: list[str], *, escape: bool = True) -> str:
    """A non-capturing regex alternation, longest word first so that it wins."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    parts = [_escape(w) if escape else w for w in unique]
    return "(?:" + "|".join(parts) + ")"


def _escape(word: str) -> str:
    specials = set(r"\.^$|?*+()[]{}-&~#")
    # Portals mix plain and non-breaking spaces inside multi-word terms.
    return "".join(r"\s+" if c == " " else "\\" + c if c in specials else c for c in word)


def for_ascii_words(pattern: str) -> str:
    r"""`pattern` for texts without `_NON_ASCII_WORD_CHAR`: the same matches, from a far smaller automaton.

    Letters and digits are word characters, so in such a text they are all ASCII, and every other
    character is a non-word character to a Unicode `\b` and to an ASCII one alike. Only `\s`, `.`
    and negated classes still need Unicode (a non-breaking space is whitespace).
    """
    return _ESCAPE.sub(lambda m: _ASCII_EQUIVALENTS.get(m.group(), m.group()), pattern)


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
    return _matches(frame, text_col, pattern, match_col, parts=False)


def find_parts(frame: pl.LazyFrame, text_col: str, pattern: str, *, match_col: str = "match") -> pl.LazyFrame:
    """`find_spans`, plus one column per named group of `pattern` holding that part of the match."""
    return _matches(frame, text_col, pattern, match_col, parts=True).unnest("_parts")


def _matches(frame: pl.LazyFrame, text_col: str, pattern: str, match_col: str, *, parts: bool) -> pl.LazyFrame:
    rows = frame.with_row_index("_text_row")
    # A Unicode `\b` makes the regex engine leave its DFA for the whole of any text holding a
    # non-ASCII byte (a non-breaking space, an en dash), and Unicode letter classes make it slow to
    # compile and to run; texts without a non-ASCII letter, i.e. nearly every sentence of an
    # English-language portal, get the same matches and parts from the ASCII pattern. Without
    # either, the second pattern and the split cost more than they save.
    if not any(e == r"\b" or e.startswith(r"\p") for e in _ESCAPE.findall(pattern)):
        return _tiled_spans(rows, text_col, pattern, match_col, parts).drop("_text_row")
    ascii_pattern = for_ascii_words(pattern)
    text = pl.col(text_col)
    # Counting characters is ten times faster than the regex, which then reads only the texts with a
    # multi-byte character (the others are emptied: polars would still scan the text behind a null).
    multi_byte = pl.when(text.str.len_bytes() > text.str.len_chars()).then(text).otherwise(pl.lit(""))
    rows = rows.with_columns(_ascii_words=~multi_byte.str.contains(_NON_ASCII_WORD_CHAR)).cache()
    spans = pl.concat(
        [
            _tiled_spans(rows.filter("_ascii_words"), text_col, ascii_pattern, match_col, parts),
            _tiled_spans(rows.filter(~pl.col("_ascii_words")), text_col, pattern, match_col, parts),
        ]
    )
    return spans.sort("_text_row", "match_no").drop("_text_row", "_ascii_words")


# Marks each match in a copy of the text; a NUL written in the text itself is read as U+FFFF, which
# every pattern here treats alike (neither a word character nor white space).
_MARK, _STAND_IN = "\x00", "\uffff"
_PIECES = pl.List(pl.String)
# A group that captures: `(` not followed by `?`, or a named group.
_GROUP_OPEN = re.compile(r"\\.|\[(?:\\.|\[[^\]]*\]|[^\]])*\]|\((?:\?P?<\w+>)?(?!\?)")


def without_groups(pattern: str) -> str:
    """`pattern` with every capturing group made non-capturing: the same matches, found without the capture engine."""
    return _GROUP_OPEN.sub(lambda m: "(?:" if m.group().startswith("(") else m.group(), pattern)


def _tiled_spans(rows: pl.LazyFrame, text_col: str, pattern: str, match_col: str, parts: bool) -> pl.LazyFrame:
    # Polars returns matches without positions. One scan marks every match in a copy of the text;
    # split at the marks, the pieces alternate gap, match, gap, ... and tile the text, so the running
    # sum of piece lengths (in characters, like DuckDB's `substr`) is each match's end.
    text = pl.col(text_col)
    scan = f"(?s)(?:{without_groups(pattern)})"

    def pieces(texts: pl.Series) -> pl.Series:
        marked = texts.str.replace_all(_MARK, _STAND_IN, literal=True).str.replace_all(scan, f"{_MARK}$0{_MARK}")
        return marked.str.split(_MARK)

    spans = (
        rows.with_columns(_pieces=text.map_batches(_unless_empty(pieces, _PIECES), return_dtype=_PIECES))
        # A text without a match is one piece and gives no span.
        .filter(pl.col("_pieces").list.len() > 1)
        .with_columns(_piece_no=pl.int_ranges(0, pl.col("_pieces").list.len()))
        .explode("_pieces", "_piece_no")
        .with_columns(match_end=pl.col("_pieces").str.len_chars().cum_sum().over("_text_row"))
        .filter(pl.col("_piece_no") % 2 == 1)
        .with_columns(
            match_no=pl.col("_piece_no") // 2,
            match_start=pl.col("match_end") - pl.col("_pieces").str.len_chars(),
        )
        .filter(pl.col("match_end") > pl.col("match_start"))
        .with_columns(
            # The match as written: only a text holding a NUL has its stand-in in the piece.
            pl.when(text.str.contains(_MARK, literal=True))
            .then(text.str.slice(pl.col("match_start"), pl.col("match_end") - pl.col("match_start")))
            .otherwise(pl.col("_pieces"))
            .alias(match_col)
        )
        .drop("_pieces", "_piece_no")
    )
    if not parts:
        return spans
    # The marks carry no groups: each match is read again, anchored, with the same pattern
    # (a match of a text without a non-ASCII letter has none either).
    anchored = f"^(?:{pattern})$"
    groups = _groups_dtype(anchored)
    return spans.with_columns(
        pl.col(match_col)
        .map_batches(_unless_empty(lambda m: m.str.extract_groups(anchored), groups), return_dtype=groups)
        .alias("_parts")
    )


def _unless_empty(fn: Callable[[pl.Series], pl.Series], dtype: pl.DataType) -> Callable[[pl.Series], pl.Series]:
    # Polars compiles a pattern even for an empty column, and its cache (32 patterns per thread) is
    # far smaller than a batch's hundred, so every batch paid again for the Unicode patterns of the
    # few sentences with a non-ASCII letter, most batches having none.
    return lambda column: fn(column) if len(column) else pl.Series(column.name, [], dtype)


@functools.cache
def _groups_dtype(pattern: str) -> pl.DataType:
    """The struct `extract_groups` gives for `pattern`: one string field per group."""
    return pl.LazyFrame(schema={"s": pl.String}).select(pl.col("s").str.extract_groups(pattern)).collect_schema()["s"]


def with_digits(sentences: pl.LazyFrame) -> pl.LazyFrame:
    """Sentences holding at least one digit: the only ones a figure, date or number can be in."""
    return sentences.filter(pl.col("sentence").str.contains(r"[0-9]", literal=False))
