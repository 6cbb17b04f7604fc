"""Place mentions resolved to the gazetteer, the place each article is about, fact subjects."""

from __future__ import annotations

import polars as pl

from transforms.spans import alternation, find_spans
from transforms.vocabulary import Vocabulary, place_names

# "Thai Binh city" is the provincial capital, not the province; "Ho Chi Minh City" is a city.
_LOCAL_UNIT = r"^\s+(?:[Cc]ity|[Tt]own|[Dd]istrict|[Cc]ommune|[Ww]ard)\b"
# "Di An City", "Quynh Phu District", and unnamed "the district" / "this commune": a figure
# about them is not about the province.
_GENERIC_LOCAL = (
    r"\b(?:\p{Lu}[\p{L}\d'’-]*\s+){1,4}(?:Industrial Parks?|Industrial Zones?|Industrial Clusters?|Economic Zones?"
    r"|Hi-[Tt]ech Park|High-[Tt]ech Park|Export Processing Zone|IP|EZ)\b"
    r"|\b(?:\p{Lu}\p{Ll}+\s+){1,3}(?:City|city|Town|town|District|district|Commune|commune|Ward|ward)\b"
    r"|\b(?:[Tt]he|[Tt]his|[Tt]hat|[Ee]ach|[Ee]very)\s+(?:district|commune|ward|town|village|hamlet)\b"
)
# A place named this close to the start of a sentence is what the sentence is about.
SUBJECT_OPENING_CHARS = 12
# Capitalised words that open a sentence, not a place name ("In Thai Binh city, ...").
_NOT_PLACE_START = r"^(?:(?:In|At|On|From|To|Of|For|By|With|The|And)\s+)+"


def find_places(sentences: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Place mentions: `doc_id, sentence_no, match_start, match_end, place, place_id, place_kind`."""
    names = vocab.built("place_names", lambda: place_names(vocab.table("places")))
    official = vocab.table("places").select("place_id", pl.col("name").alias("place"))
    pattern = vocab.built("place_pattern", lambda: r"\b" + alternation(names["spelling"].to_list()) + r"\b")
    gazetteer = (
        find_spans(sentences.select("doc_id", "sentence_no", "sentence"), "sentence", pattern, match_col="_spelling")
        .join(names.lazy().rename({"spelling": "_spelling", "kind": "_kind"}), on="_spelling", how="left")
        .join(official.lazy(), on="place_id", how="left")
        .with_columns(
            _after=pl.col("sentence").str.slice(pl.col("match_end"), 12),
        )
        .with_columns(_unit_word=pl.col("_after").str.extract(r"^(\s+\p{L}+)"))
        .with_columns(
            place_kind=pl.when((pl.col("_kind") == "province") & pl.col("_after").str.contains(_LOCAL_UNIT))
            .then(pl.lit("district"))
            .otherwise(pl.col("_kind")),
        )
        .with_columns(
            place_id=pl.when(pl.col("place_kind") == "district").then(None).otherwise(pl.col("place_id")),
            place=pl.when(pl.col("place_kind") == "district")
            .then(pl.concat_str(pl.col("_spelling"), pl.col("_unit_word")))
            .otherwise(pl.col("place")),
            # The mention covers "city" too, so that it ends where the generic local name ends.
            match_end=pl.when(pl.col("place_kind") == "district")
            .then(pl.col("match_end") + pl.col("_unit_word").str.len_chars())
            .otherwise(pl.col("match_end")),
        )
    )
    local = (
        find_spans(sentences.select("doc_id", "sentence_no", "sentence"), "sentence", _GENERIC_LOCAL, match_col="place")
        .with_columns(_stripped=pl.col("place").str.replace(_NOT_PLACE_START, ""))
        # "In Thai Binh city" is "Thai Binh city"; an unnamed "The district" stays as written.
        .with_columns(place=pl.when(pl.col("_stripped").str.contains(r"\s")).then("_stripped").otherwise("place"))
        # "The city" of an article about a city is that city: the article's place, not a local unit.
        .filter(~pl.col("place").str.contains(r"^(?:[Tt]he|[Tt]his)\s+[Cc]ity$"))
        .with_columns(match_start=pl.col("match_end") - pl.col("place").str.len_chars())
        .with_columns(
            place_id=pl.lit(None, pl.String),
            place_kind=pl.when(pl.col("place").str.contains(r"(?:Park|Zone|Cluster|Parks|Zones|Clusters|IP|EZ)$"))
            .then(pl.lit("industrial_park"))
            .when(pl.col("place").str.contains(r"(?i)(?:commune|ward|village|hamlet)$"))
            .then(pl.lit("commune"))
            .otherwise(pl.lit("district")),
        )
    )
    columns = ["doc_id", "sentence_no", "match_start", "match_end", "place", "place_id", "place_kind"]
    both = pl.concat([gazetteer.select(columns), local.select(columns)])
    # A gazetteer hit inside a generic local name ("Thai Binh City") is the same mention.
    return (
        both.sort("place_id", nulls_last=True)
        .unique(["doc_id", "sentence_no", "match_end"], keep="first")
        .sort("doc_id", "sentence_no", "match_start")
    )


def article_places(mentions: pl.LazyFrame) -> pl.LazyFrame:
    """The province or city each article is about: its most mentioned gazetteer place."""
    return (
        mentions.filter(pl.col("place_id").is_not_null() & (pl.col("place_kind") != "district"))
        .group_by("doc_id", "place_id", "place", "place_kind")
        .agg(pl.len().alias("_n"), pl.col("sentence_no").min().alias("_first"))
        .sort(["_n", "_first"], descending=[True, False])
        .group_by("doc_id", maintain_order=True)
        .first()
        .select("doc_id", "place_id", "place", "place_kind")
    )


def assign_subjects(
    quantities: pl.LazyFrame,
    mentions: pl.LazyFrame,
    articles: pl.LazyFrame,
    sentences: pl.LazyFrame,
    vocab: Vocabulary,
) -> pl.LazyFrame:
    """Quantities with `subject`, `subject_place_id`, `subject_kind`.

    The subject is the nearest place named before the figure in the same clause, else the
    place the article is about.
    """
    clause_start = (
        quantities.join(sentences.select("doc_id", "sentence_no", "sentence"), on=["doc_id", "sentence_no"])
        .with_columns(
            # Removing up to the last separator needs no capture group (and its slow capturing search).
            _clause_start=pl.col("match_start")
            - pl.col("sentence").str.slice(0, pl.col("match_start")).str.replace(r"(?s)^.*[,;:]", "").str.len_chars()
        )
        .select("doc_id", "char_start", "sentence_no", "match_start", "_clause_start", "sentence")
    )
    nearest = (
        clause_start.join(mentions.rename({"match_start": "_ps", "match_end": "_pe"}), on=["doc_id", "sentence_no"])
        .filter((pl.col("_pe") <= pl.col("match_start")) & (pl.col("_ps") >= pl.col("_clause_start")))
        .sort("_pe")
        .group_by("doc_id", "char_start")
        .agg(
            pl.col("place").last().alias("_s"),
            pl.col("place_id").last().alias("_sid"),
            pl.col("place_kind").last().alias("_skind"),
        )
    )
    # "Vung Tau city, about 120km from ..., covers a total area of": a place that opens the sentence and is
    # set off by a comma (an apposition follows) is what the sentence is about; "Binh Duong grew, ..." is not.
    opening = (
        clause_start.join(mentions.rename({"match_start": "_ps", "match_end": "_pe"}), on=["doc_id", "sentence_no"])
        .filter(
            (pl.col("_ps") <= SUBJECT_OPENING_CHARS)
            & (pl.col("_pe") <= pl.col("match_start"))
            & (pl.col("sentence").str.slice(pl.col("_pe"), 1) == ",")
        )
        .sort("_ps")
        .group_by("doc_id", "char_start")
        .agg(
            pl.col("place").first().alias("_o"),
            pl.col("place_id").first().alias("_oid"),
            pl.col("place_kind").first().alias("_okind"),
        )
    )
    fallback = articles.select(
        "doc_id", pl.col("place").alias("_a"), pl.col("place_id").alias("_aid"), pl.col("place_kind").alias("_akind")
    )
    regions = vocab.table("regions")
    region_names = regions["name"].to_list() + [
        a for aliases in regions["aliases"].drop_nulls() for a in aliases.split("|") if a
    ]
    region_re = "(?i)" + alternation(region_names)
    # "63 provinces and cities", "13 Mekong Delta provinces": a count of provinces belongs to the country or the
    # region it names, not to the province the article is about.
    counts_provinces = pl.col("counted").str.contains(r"(?i)\b(?:provinces|localities)\b").fill_null(False)
    region = pl.col("counted").str.extract(f"({region_re[4:]})", 1)
    by_scope = (
        pl.when(counts_provinces & region.is_not_null())
        .then(pl.struct(_rs=region, _rkind=pl.lit("region")))
        .when(counts_provinces)
        .then(pl.struct(_rs=pl.lit("Vietnam"), _rkind=pl.lit("country")))
    )
    return (
        quantities.join(nearest, on=["doc_id", "char_start"], how="left")
        .with_columns(_scope=by_scope)
        .with_columns(
            _s=pl.coalesce(pl.col("_scope").struct.field("_rs"), "_s"),
            _sid=pl.when(pl.col("_scope").is_null()).then(pl.col("_sid")),
            _skind=pl.coalesce(pl.col("_scope").struct.field("_rkind"), "_skind"),
        )
        .drop("_scope")
        .join(opening, on=["doc_id", "char_start"], how="left")
        .join(fallback, on="doc_id", how="left")
        .with_columns(
            _s=pl.coalesce("_s", "_o"),
            _sid=pl.when(pl.col("_s").is_not_null()).then(pl.col("_sid")).otherwise(pl.col("_oid")),
            _skind=pl.when(pl.col("_s").is_not_null()).then(pl.col("_skind")).otherwise(pl.col("_okind")),
        )
        .with_columns(
            subject=pl.coalesce("_s", "_a"),
            subject_place_id=pl.when(pl.col("_s").is_not_null()).then(pl.col("_sid")).otherwise(pl.col("_aid")),
            subject_kind=pl.when(pl.col("_s").is_not_null()).then(pl.col("_skind")).otherwise(pl.col("_akind")),
        )
        .drop("_s", "_sid", "_skind", "_o", "_oid", "_okind", "_a", "_aid", "_akind")
    )
