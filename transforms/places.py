"""Place mentions resolved to the gazetteer, the place each article is about, fact subjects."""

from __future__ import annotations

import itertools
import operator

import polars as pl

from transforms.place_index import PlaceIndex, fold_expr, resolve_document
from transforms.spans import alternation
from transforms.vocabulary import Vocabulary

# A place named this close to the start of a sentence is what the sentence is about.
SUBJECT_OPENING_CHARS = 12
# How far after a figure a place named with "of" or "from" can still be its subject.
AFTER_PLACE_CHARS = 100
# How a subject was found, strongest first; only these say the text gives the subject itself.
STATED_SOURCES = ("clause", "sentence", "carried", "article")
MENTION_SCHEMA = {
    "doc_id": pl.String,
    "sentence_no": pl.Int32,
    "match_start": pl.Int64,
    "match_end": pl.Int64,
    "place": pl.String,
    "place_id": pl.String,
    "place_kind": pl.String,
    "place_level": pl.String,
    "province_id": pl.String,
    "mention_source": pl.String,
    "in_title": pl.Boolean,
    "is_locative": pl.Boolean,
}


def place_index(vocab: Vocabulary) -> PlaceIndex:
    """The automaton of every unit's spellings, built once per vocabulary."""
    return vocab.built(
        "place_index",
        lambda: PlaceIndex.build(
            vocab.table("places"), vocab.table("provinces_2025"), vocab.table("admin_units"), vocab.table("regions")
        ),
    )


def find_places(sentences: pl.LazyFrame, dates: pl.LazyFrame, vocab: Vocabulary) -> pl.LazyFrame:
    """Place mentions at every level, resolved in their article: one row per mention (`MENTION_SCHEMA`)."""
    index = place_index(vocab)

    def mentions_of(frame: pl.DataFrame) -> pl.DataFrame:
        rows: list[tuple] = []
        # Plain Python rows grouped in order: a polars frame per document cost a third of the pass.
        ordered = frame.sort("doc_id", "sentence_no").select(
            "doc_id", "sentence_no", "sentence", "line_kind", "published_at", fold_expr("sentence").alias("_folded")
        )
        for doc_id, group in itertools.groupby(ordered.iter_rows(), key=operator.itemgetter(0)):
            doc = list(group)
            titles = {row[1] for row in doc if row[3] == "title"}
            published = doc[0][4]
            pairs = [(row[1], row[2]) for row in doc]
            for m in resolve_document(index, pairs, published, [row[5] for row in doc]):
                rows.append(
                    (
                        doc_id,
                        m.sentence_no,
                        m.start,
                        m.end,
                        m.place,
                        m.place_id,
                        m.kind,
                        m.level,
                        m.province_id,
                        m.source,
                        m.sentence_no in titles,
                        m.locative,
                    )
                )
        # Tuples turned into columns in one step: a frame built row by row in polars is slower.
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(MENTION_SCHEMA)
        return pl.DataFrame(dict(zip(MENTION_SCHEMA, map(list, columns), strict=True)), schema=MENTION_SCHEMA)

    return (
        sentences.select("doc_id", "sentence_no", "sentence", "line_kind")
        .join(dates.select("doc_id", "published_at"), on="doc_id", how="left")
        .map_batches(mentions_of, schema=MENTION_SCHEMA)
    )


def article_places(mentions: pl.LazyFrame) -> pl.LazyFrame:
    """The most specific unit each article is about, and its province.

    The province is the one named most (else the province of the units named); a district or commune is
    the article's place when its title names it and the body again, when no province is named, or when it is
    named (or referred to) at least twice and more often than the province.
    """
    # A unit referred to ("the province") counts as named: the article is about what it keeps returning to.
    named = mentions.filter(pl.col("place_id").is_not_null())
    counted = named.group_by("doc_id", "place_id", "place", "place_kind", "place_level", "province_id").agg(
        _n=pl.len(),
        _first=pl.col("sentence_no").min(),
        _title=(pl.col("in_title") & (pl.col("mention_source") == "named")).any(),
    )
    provinces = (
        counted.filter(pl.col("place_level") == "province")
        .sort(["_n", "_first", "place_id"], descending=[True, False, False])
        .group_by("doc_id", maintain_order=True)
        .first()
        .select("doc_id", province_id=pl.col("place_id"), province=pl.col("place"), _province_n=pl.col("_n"))
    )
    lower_provinces = (
        counted.filter(pl.col("place_level") != "province")
        .group_by("doc_id", "province_id")
        .agg(_n=pl.col("_n").sum())
        .sort(["_n", "province_id"], descending=[True, False])
        .group_by("doc_id", maintain_order=True)
        .first()
        .select("doc_id", _lower_province=pl.col("province_id"))
    )
    lower = (
        counted.filter(pl.col("place_level") != "province")
        .join(provinces, on="doc_id", how="left")
        .filter(
            (pl.col("_title") & (pl.col("_n") >= 2))
            | pl.col("_province_n").is_null()
            | ((pl.col("_n") >= 2) & (pl.col("_n") > pl.col("_province_n")))
        )
        # Of units named as often, the most specific: a commune over its district.
        .with_columns(_depth=(pl.col("place_level") == "commune").cast(pl.Int8))
        .sort(["_title", "_n", "_first", "_depth", "place_id"], descending=[True, True, False, True, False])
        .group_by("doc_id", maintain_order=True)
        .first()
        .select(
            "doc_id",
            _lid=pl.col("place_id"),
            _l=pl.col("place"),
            _lkind=pl.col("place_kind"),
            _llevel=pl.col("place_level"),
            _lprov=pl.col("province_id"),
        )
    )
    # An article naming one place and nothing else below the country is about that place alone.
    docs = (
        mentions.filter(pl.col("mention_source") == "named")
        .filter(~pl.col("place_level").is_in(["country", "region"]))
        .group_by("doc_id")
        .agg(_sole=pl.col("place").n_unique() == 1)
    )
    return (
        docs.join(provinces, on="doc_id", how="left")
        .join(lower_provinces, on="doc_id", how="left")
        .join(lower, on="doc_id", how="left")
        .join(
            counted.filter(pl.col("place_level") == "province")
            .select("doc_id", pl.col("place_id").alias("province_id"), pl.col("place_kind").alias("_pkind"))
            .unique(["doc_id", "province_id"]),
            on=["doc_id", "province_id"],
            how="left",
        )
        .with_columns(province_id=pl.coalesce("province_id", "_lprov", "_lower_province"))
        .select(
            "doc_id",
            place_id=pl.coalesce("_lid", pl.when(pl.col("province").is_not_null()).then("province_id")),
            place=pl.coalesce("_l", "province"),
            place_kind=pl.coalesce("_lkind", "_pkind"),
            place_level=pl.coalesce("_llevel", pl.when(pl.col("province").is_not_null()).then(pl.lit("province"))),
            province_id=pl.col("province_id"),
            is_sole_place=pl.col("_sole").fill_null(False),
        )
        .filter(pl.col("place_id").is_not_null() | pl.col("province_id").is_not_null())
    )


def _subject(place: str, place_id: str, kind: str, level: str, source: pl.Expr | str) -> pl.Expr:
    return pl.struct(
        subject=pl.col(place),
        subject_place_id=pl.col(place_id),
        subject_kind=pl.col(kind),
        subject_level=pl.col(level),
        subject_source=source if isinstance(source, pl.Expr) else pl.lit(source),
    )


def assign_subjects(
    quantities: pl.LazyFrame,
    mentions: pl.LazyFrame,
    articles: pl.LazyFrame,
    sentences: pl.LazyFrame,
    vocab: Vocabulary,
) -> pl.LazyFrame:
    """Quantities with `subject`, `subject_place_id`, `subject_kind`, `subject_level`, `subject_source`.

    The subject is the nearest place named or referred to ("the district") before the figure in the same
    clause (`clause`, or `carried` for a reference), else a place that opens the sentence (`sentence`), else
    the place the article is about (`article`, or `guess` where the article names another unit below the
    province), else none.
    """
    units = vocab.table("units")
    length_units = units.filter(pl.col("dimension") == "length")["unit"].unique().to_list()
    clause_start = (
        quantities.join(sentences.select("doc_id", "sentence_no", "sentence"), on=["doc_id", "sentence_no"])
        .with_columns(
            # Removing up to the last separator needs no capture group (and its slow capturing search).
            _clause_start=pl.col("match_start")
            - pl.col("sentence").str.slice(0, pl.col("match_start")).str.replace(r"(?s)^.*[,;:]", "").str.len_chars()
        )
        .select("doc_id", "char_start", "sentence_no", "match_start", "_clause_start", "sentence", "unit")
    )
    placed = clause_start.join(
        mentions.rename({"match_start": "_ps", "match_end": "_pe"}), on=["doc_id", "sentence_no"]
    ).with_columns(
        _in_clause=_subject(
            "place",
            "place_id",
            "place_kind",
            "place_level",
            pl.when(pl.col("mention_source") == "carried").then(pl.lit("carried")).otherwise(pl.lit("clause")),
        ),
        _opening=_subject("place", "place_id", "place_kind", "place_level", "sentence"),
    )
    wide = pl.col("place_level").is_in(["country", "region"])
    # "the natural area of 1.39 km2 and population of 17,093 people of Ward 2", "29.64 km2, with a population of
    # 636 people from Vinh Tien commune": with no place before it in its clause, a figure belongs to a place
    # named soon after it with "of" or "from", before any comparison ("than", "compared with") begins.
    clause_end = (
        pl.col("match_start")
        + pl.col("sentence")
        .str.slice(pl.col("match_start"), AFTER_PLACE_CHARS)
        .str.replace(r"(?s)(?:[;:]|\b(?:than|compared|while|whereas|but|against)\b).*$", "")
        .str.len_chars()
    )
    after = (
        # "0.83 % of the South East" is a share of the region, not the region's figure.
        (pl.col("unit") != "percent")
        & (pl.col("_ps") > pl.col("match_start"))
        & (pl.col("_pe") <= clause_end)
        & pl.col("sentence").str.slice(0, pl.col("_ps")).str.contains(r"\b(?:of|from)\s+(?:the\s+)?$")
        # "120km from Ho Chi Minh City" measures from that place; "... of the Central Highlands" places it.
        & ~(
            pl.col("unit").is_in(length_units)
            & pl.col("sentence").str.slice(0, pl.col("_ps")).str.contains(r"\bfrom\s+(?:the\s+)?$")
        )
        & ~wide
    )
    # "Over 4.1 million tourists visited Lao Cai province": with no place before it, a figure belongs to the first
    # place its clause names after it, unless a comparison ("higher than Hanoi's") brings that place in.
    clause_end_at = (
        pl.col("match_start")
        + pl.col("sentence").str.slice(pl.col("match_start")).str.replace(r"(?s)[,;:(].*$", "").str.len_chars()
    )
    later = (
        (pl.col("_ps") > pl.col("match_start"))
        & (pl.col("_pe") <= clause_end_at)
        & ~wide
        & ~pl.col("sentence")
        .str.slice(pl.col("match_start"), (pl.col("_ps") - pl.col("match_start")).clip(lower_bound=0))
        .str.contains(r"\b(?:than|compared|against|versus|while|whereas|from)\b")
    )
    # "Vung Tau city, about 120km from ..., covers a total area of": a place that opens the sentence and is
    # set off by a comma (an apposition follows) is what the sentence is about; "Binh Duong grew, ..." is not.
    opening = (
        (pl.col("_ps") <= SUBJECT_OPENING_CHARS)
        & (pl.col("_pe") <= pl.col("match_start"))
        & (pl.col("sentence").str.slice(pl.col("_pe"), 1) == ",")
    )

    def pick(subject: str, where: str, by: list[str], descending: list[bool], *, last: bool = False) -> pl.Expr:
        # Mentions of a sentence do not overlap, so `_ps` and `_pe` order a figure's candidates without ties
        # (0 ties in the 58,895 mentions of benchmarks.parity_extract's documents).
        keys = [pl.col(k).filter(where) for k in by]
        ordered = pl.col(subject).filter(where).sort_by(keys, descending=descending, maintain_order=True)
        return ordered.last() if last else ordered.first()

    # One row per figure with a place in its sentence, each way of choosing its subject a column: one group_by
    # over the figure-place pairs, where a group_by per way made the optimizer meet the pairs' plan five times
    # (0.13 s of a batch's plan).
    chosen = (
        placed.with_columns(
            _wide=wide,
            _w_clause=(pl.col("_pe") <= pl.col("match_start")) & (pl.col("_ps") >= pl.col("_clause_start")),
            _w_after=after,
            _w_opening=opening,
            # "Con Dao district, with an area of 75.79 km2": with no place in its clause, a figure belongs to the
            # nearest unit named before it in the sentence (the country or a region only when named in the clause).
            _w_earlier=(pl.col("_pe") <= pl.col("match_start")) & ~wide,
            _w_later=later,
        )
        .group_by("doc_id", "char_start")
        .agg(
            # "Binh Duong province, in the South East of Viet Nam, occupies 2,694 km2": the country or a region
            # after "in" or "of" places the unit; it is the subject only where the clause names nothing else.
            pick("_in_clause", "_w_clause", ["_wide", "is_locative", "_pe"], [True, True, False], last=True),
            pick("_in_clause", "_w_after", ["_ps"], [False]).alias("_after"),
            pick("_opening", "_w_opening", ["_ps"], [False]),
            pick("_opening", "_w_earlier", ["is_locative", "_pe"], [True, False], last=True).alias("_earlier"),
            pick("_opening", "_w_later", ["_ps"], [False]).alias("_later"),
        )
    )
    # The article's place is the subject a figure's sentence implies only where the article names no other unit
    # below the province: else the figure may be that unit's (a guess).
    others = (
        mentions.filter(pl.col("place_level").is_in(["district", "commune", "local"]))
        .join(articles.select("doc_id", _aplace=pl.col("place")), on="doc_id", how="left")
        .filter(pl.col("_aplace").is_null() | (pl.col("place") != pl.col("_aplace")))
        .select("doc_id", _near_other=pl.lit(True))
        .unique("doc_id")
    )
    fallback = articles.select(
        "doc_id",
        _a=pl.col("place"),
        _aid=pl.col("place_id"),
        _akind=pl.col("place_kind"),
        _alevel=pl.col("place_level"),
    )
    regions = vocab.table("regions")
    region_names = regions["name"].to_list() + [
        a for aliases in regions["aliases"].drop_nulls() for a in aliases.split("|") if a
    ]
    region_re = "(?i)" + alternation(region_names)
    # "63 provinces and cities", "13 Mekong Delta provinces": a count of provinces belongs to the country or the
    # region it names, not to the province the article is about; "three localities" merged into a city are the
    # city's, so localities are counted where the text puts them.
    counts_provinces = pl.col("counted").str.contains(r"(?i)\bprovinces\b").fill_null(False)
    region = pl.col("counted").str.extract(f"({region_re[4:]})", 1)
    scope = pl.struct(
        subject=pl.when(region.is_not_null()).then(region).otherwise(pl.lit("Vietnam")),
        subject_place_id=pl.lit(None, pl.String),
        subject_kind=pl.when(region.is_not_null()).then(pl.lit("region")).otherwise(pl.lit("country")),
        subject_level=pl.when(region.is_not_null()).then(pl.lit("region")).otherwise(pl.lit("country")),
        subject_source=pl.lit("sentence"),
    )
    return (
        quantities.join(chosen, on=["doc_id", "char_start"], how="left")
        .join(fallback, on="doc_id", how="left")
        .join(others, on="doc_id", how="left")
        .with_columns(
            _article=_subject(
                "_a",
                "_aid",
                "_akind",
                "_alevel",
                pl.when(pl.col("_near_other")).then(pl.lit("guess")).otherwise(pl.lit("article")),
            )
        )
        .with_columns(
            _subject=pl.when(counts_provinces)
            .then(scope)
            .when(pl.col("_in_clause").is_not_null())
            .then("_in_clause")
            .when(pl.col("_opening").is_not_null())
            .then("_opening")
            .when(pl.col("_after").is_not_null())
            .then("_after")
            .when(pl.col("_earlier").is_not_null())
            .then("_earlier")
            .when(pl.col("_later").is_not_null())
            .then("_later")
            .otherwise("_article")
        )
        .drop(
            "_in_clause",
            "_after",
            "_opening",
            "_earlier",
            "_later",
            "_article",
            "_a",
            "_aid",
            "_akind",
            "_alevel",
            "_near_other",
        )
        .unnest("_subject")
        .with_columns(subject_source=pl.when(pl.col("subject").is_not_null()).then("subject_source"))
        .pipe(_carry_from_earlier_sentences)
    )


def _carry_from_earlier_sentences(quantities: pl.LazyFrame) -> pl.LazyFrame:
    """A figure with no place of its own takes the subject stated for a figure of the two sentences before it.

    "Ho Chi Minh City's GRDP grew 7.2 %. Its exports rose 11 %.": the second figure is the city's, not the
    article's place; the subject is `carried`.
    """
    subject_columns = ["subject", "subject_place_id", "subject_kind", "subject_level"]
    # The country or a region named for a comparison ("higher than the national average") is no topic.
    stated = quantities.filter(
        pl.col("subject_source").is_in(["clause", "sentence", "carried"])
        & ~pl.col("subject_level").is_in(["country", "region"])
    ).select("doc_id", _qs=pl.col("sentence_no"), _qc=pl.col("char_start"), _carried=pl.struct(subject_columns))
    carried = (
        quantities.filter(pl.col("subject_source").is_in(["article", "guess"]) | pl.col("subject_source").is_null())
        .select("doc_id", "char_start", "sentence_no")
        .join(stated, on="doc_id")
        .filter(pl.col("_qs").is_between(pl.col("sentence_no") - 2, pl.col("sentence_no") - 1))
        .sort("_qs", "_qc")
        .group_by("doc_id", "char_start")
        .agg(pl.col("_carried").last())
        .unnest("_carried")
        .rename({c: f"_c_{c}" for c in subject_columns})
    )
    found = pl.col("_c_subject").is_not_null()
    return (
        quantities.join(carried, on=["doc_id", "char_start"], how="left")
        .with_columns(
            *[pl.when(found).then(pl.col(f"_c_{c}")).otherwise(pl.col(c)).alias(c) for c in subject_columns],
            subject_source=pl.when(found).then(pl.lit("carried")).otherwise(pl.col("subject_source")),
        )
        .drop([f"_c_{c}" for c in subject_columns])
    )
