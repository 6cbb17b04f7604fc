"""Person mentions with honorific, name and title as written."""

from __future__ import annotations

import polars as pl

from transforms.spans import alternation, find_parts
from transforms.vocabulary import Vocabulary

# One Vietnamese given-name syllable: capitalised, short ("Ngoc", "Thuy", "Đức").
_SYLLABLE = r"\p{Lu}\p{Ll}{0,6}"
# Capitalised words that follow a surname in organisation names, never in personal names.
_NOT_NAME = (
    "Party|City|Town|Province|Provincial|Committee|Council|Region|National|Central|People|"
    "District|Commune|Ward|Street|Road|Bridge|Port|Zone|Park|Lake|River|Bay|Industrial|Economic|"
    "Southern|Northern|Day|New|Smart|Army|Hospital|School|University|Company|Group|Front"
)
# Where a title stops: a clause ("..., said that"), a verb ("spoke at"), or punctuation.
_TITLE_END = (
    r"(?:;|:|\)|\.(?:\s|$)|$|,\s+\p{Ll}|\s+and\s+\p{Ll}|\s+\p{Ll}+(?:ed|es|s)\b"
    r"|\s+(?:said|spoke|gave|made|took|held|led|met|sent|wrote|told|urged|noted|pointed|cum\s+\p{Ll})\b)"
)
_TITLE = r"(?:No\.\s*\d+|[^;:.()])+?"
# Lower-case words that carry a title on after a comma: "..., member of", "..., cum Rector".
_CONTINUATION = "member|cum|head|deputy|vice|former|standing|permanent|concurrently|chairman|secretary|director"
_MAX_CONTINUATIONS = 2


def person_pattern(vocab: Vocabulary) -> str:
    """Regex of `[honorific] Name - title` mentions, with named groups."""
    surname = vocab.regex("surnames", "surname")
    honorific = vocab.regex("honorifics", "honorific")
    return (
        rf"(?:(?P<hon>{honorific})\s*)?"
        rf"(?P<name>\b{surname}(?:\s+{_SYLLABLE}){{1,3}})\b"
        # "Vu Dai Thang elected Secretary of ...": an election or appointment gives the title too.
        rf"(?:(?P<sep>\s*[-–—,]\s*|\s*\(\s*|\s+(?:was\s+)?(?:re-)?(?:elected|appointed|named)\s+(?:as\s+)?)"
        rf"(?P<title>{_TITLE})(?P<end>{_TITLE_END}))?"
    )


def title_before_pattern(vocab: Vocabulary) -> str:
    """Regex of `Provincial Party Secretary Name` mentions, title first."""
    keywords = vocab.regex("title_keywords", "keyword")
    surname = vocab.regex("surnames", "surname")
    return (
        # "Deputy Chairman of the provincial People's Committee Nguyen Hong Thanh": the title's "of ..." runs on
        # up to the name.
        rf"(?P<title>(?:\p{{Lu}}\p{{Ll}}+\s+){{0,4}}{keywords}(?:\s+of\s+(?:the\s+)?(?:[\p{{L}}'’-]+\s+){{0,6}}?[\p{{L}}'’-]+)?)\s+"
        rf"(?P<name>{surname}(?:\s+{_SYLLABLE}){{1,3}})\b"
    )


def find_people(sentences: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Person mentions: `doc_id, sentence_no, char_start, char_end, surface, honorific, name, title`."""
    base = sentences.select("doc_id", "sentence_no", "char_start", "sentence")
    after = _mentions(base, vocab.built("person_pattern", lambda: person_pattern(vocab)), title_first=False)
    before = _mentions(base, vocab.built("title_before_pattern", lambda: title_before_pattern(vocab)), title_first=True)
    keywords = "(?:" + vocab.regex("title_keywords", "keyword") + ")"
    places = vocab.built(
        "place_names_regex",
        lambda: alternation(vocab.table("places")["name"].to_list() + vocab.table("places")["name_vi"].to_list()),
    )
    mentions = pl.concat([after, before], how="diagonal_relaxed")
    cleaned = (
        mentions.with_columns(
            name=pl.col("name").str.replace_all(r"\s+", " "),
            honorific=pl.col("hon")
            .str.replace_all(r"\s+", " ")
            .str.replace_all(r"\.(\p{L})", ". $1")
            .str.strip_chars(" :"),
            title=pl.col("title").str.strip_chars(" ,").str.replace_all(r"\s+", " "),
        )
        .with_columns(
            title=pl.when(pl.col("title").str.contains(keywords) | pl.col("_in_parens"))
            .then(pl.col("title"))
            .otherwise(None)
        )
        .filter(
            # "Ha Long Bay" is a place, "Mr. Le Ngoc Bay, Director ..." a person: an honorific or a title decides.
            (
                ~pl.col("name").str.contains(rf"\b(?:{_NOT_NAME})\b")
                | pl.col("honorific").is_not_null()
                | pl.col("title").is_not_null()
            )
            & ~pl.col("name").str.contains(rf"^{places}$")
            & (pl.col("honorific").is_not_null() | pl.col("title").is_not_null())
        )
    )
    return cleaned.select(
        "doc_id",
        "sentence_no",
        "char_start",
        "char_end",
        "surface",
        pl.col("honorific").replace({"comrade": "Comrade", "Comrades": "Comrade"}),
        "name",
        "title",
        pl.col("title_first").alias("is_title_first"),
    ).unique(["doc_id", "char_start"], keep="first")


def _mentions(base: pl.LazyFrame, pattern: str, *, title_first: bool) -> pl.LazyFrame:
    parts = find_parts(base, "sentence", pattern, match_col="_m")
    if title_first:
        kept_len = pl.col("_m").str.len_chars()
        in_parens = pl.lit(False)
    else:
        # The span ends with the title; the word or mark that stopped it is not part of it.
        kept_len = pl.col("_m").str.len_chars() - pl.col("end").str.len_chars().fill_null(0)
        in_parens = pl.col("sep").str.contains(r"\(").fill_null(False)
    for missing in ("hon", "sep", "end"):
        if missing not in parts.collect_schema().names():
            parts = parts.with_columns(pl.lit(None, pl.String).alias(missing))
    parts = parts.with_columns(_kept=kept_len, _m=pl.col("_m"))
    if not title_first:
        # "..., Permanent Deputy Secretary, cum Rector of ...": a lower-case title word after a comma
        # continues the title, where any other lower-case clause ends it.
        continuation = rf"^(,\s+(?:{_CONTINUATION})\b{_TITLE})(?:{_TITLE_END})"
        for _ in range(_MAX_CONTINUATIONS):
            extra = pl.col("sentence").str.slice(pl.col("match_start") + pl.col("_kept")).str.extract(continuation, 1)
            parts = parts.with_columns(_extra=pl.when(pl.col("title").is_not_null()).then(extra)).with_columns(
                title=pl.concat_str("title", pl.col("_extra").fill_null("")),
                _m=pl.concat_str(pl.col("_m").str.slice(0, pl.col("_kept")), pl.col("_extra").fill_null("")),
                _kept=pl.col("_kept") + pl.col("_extra").str.len_chars().fill_null(0),
            )
    return parts.with_columns(
        surface=pl.col("_m").str.slice(0, pl.col("_kept")).str.strip_chars_end(" ,"),
        _in_parens=in_parens,
        title_first=pl.lit(title_first),
    ).with_columns(
        char_start=pl.col("char_start") + pl.col("match_start"),
        char_end=pl.col("char_start") + pl.col("match_start") + pl.col("surface").str.len_chars(),
    )
