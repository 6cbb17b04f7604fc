"""`newsfacts indicators`: a place's reconciled figures with their status and sources, without SQL.

A place is written as the articles write it ("Binh Duong", "binh duong province", "Bình Dương", "Con Dao
district") or as its `place_id`. The answer has one row per indicator and source: the indicator's chosen value,
status and reason, then the article (title, date) and the sentence of each fact it rests on, the chosen fact first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.db import connect_read_only
from warehouse.models import all_exist

# Unit words a place may be written with: the level or kinds they name.
UNIT_WORDS = {
    "province": ("province",),
    "city": ("city", "provincial_city"),
    "district": ("district", "urban_district"),
    "town": ("town", "township"),
    "commune": ("commune",),
    "ward": ("ward",),
    "township": ("township",),
    "special zone": ("special_zone",),
}
_UNIT_WORD = re.compile(r"^(?:(?P<before>" + "|".join(UNIT_WORDS) + r")\s+(?:of\s+)?)?(?P<name>.+?)"
                        r"(?:\s+(?P<after>" + "|".join(UNIT_WORDS) + r"))?$")  # fmt: skip

ANSWER_SQL = """
select
    indicators.place_name as place,
    indicators.place_level as level,
    indicators.province_place_id as province,
    indicators.metric,
    indicators.base,
    indicators.period,
    indicators.kind,
    indicators.value,
    indicators.unit,
    indicators.status,
    indicators.chosen_reason,
    indicators.n_articles,
    facts.fact_id = indicators.chosen_fact_id as chosen,
    strftime(facts.published_at, '%Y-%m-%d') as published,
    articles.title,
    facts.surface,
    facts.figure_kind,
    facts.quality_status,
    facts.sentence,
    indicators.indicator_id,
    facts.fact_id
from marts.fct_indicators as indicators
cross join unnest(indicators.fact_ids) as sourced(fact_id)
inner join marts.fct_quantities as facts on sourced.fact_id = facts.fact_id
left join marts.dim_articles as articles on facts.article_id = articles.article_id
where
    indicators.place_id in (select unnest($places))
    and ($metric is null or indicators.metric = $metric or indicators.metric like '%' || $metric || '%')
    and ($period is null or indicators.period = $period or indicators.period like $period || '-%')
    and ($kind is null or indicators.kind = $kind)
order by
    indicators.place_level,
    indicators.place_name,
    indicators.status != 'conflicting',
    indicators.metric,
    indicators.period_start,
    indicators.period_end,
    indicators.kind,
    chosen desc,
    facts.published_at,
    facts.fact_id
"""


class UnknownPlace(ValueError):
    """A place the gazetteer does not know (with the names nearest to it), or a warehouse without indicators."""


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    level: str
    kind: str


# Lower-case ASCII, punctuation as spaces: how a place is written, folded as dim_places.name_keys are
# ("Thừa Thiên-Huế" and "thua thien hue" alike).
_FOLD_SQL = "trim(regexp_replace(strip_accents(replace(lower({0}), 'đ', 'd')), '[^a-z0-9]+', ' ', 'g'))"
_MATCH_SQL = """
select place_id, name, level, kind
from marts.dim_places
where list_has_any(name_keys, [$folded, $name])
order by case level when 'province' then 0 when 'district' then 1 else 2 end, place_id
"""


def find_places(con: duckdb.DuckDBPyConnection, written: str) -> list[Place]:
    """The places `written` names: by id, else by name with or without its unit word (case and accents ignored)."""
    by_id = con.execute(
        "select place_id, name, level, kind from marts.dim_places where place_id = ?", [written.strip()]
    ).fetchall()
    if by_id:
        return [Place(*row) for row in by_id]
    folded = con.execute(f"select {_FOLD_SQL.format('?')}", [written]).fetchall()[0][0]
    parts = _UNIT_WORD.match(folded)
    word = parts["before"] or parts["after"] if parts else None
    name = parts["name"] if parts else folded
    found = [Place(*row) for row in con.execute(_MATCH_SQL, {"folded": folded, "name": name}).fetchall()]
    if word:
        # "Tan An city" is the city, not the commune of the same name; "Hanoi city" is still Hanoi.
        kinds = UNIT_WORDS[word]
        narrowed = [p for p in found if p.kind in kinds or p.level in kinds]
        found = narrowed or found
    if not found:
        rows = con.execute("select distinct name, level = 'province' from marts.dim_places").fetchall()
        # Provinces first: a misspelt name is most often a province's.
        provinces = sorted(n for n, is_province in rows if is_province)
        others = sorted(n for n, is_province in rows if not is_province)
        asked = written.strip().title()
        near = difflib.get_close_matches(asked, provinces, n=3, cutoff=0.6)
        near += difflib.get_close_matches(asked, others, n=5 - len(near), cutoff=0.6)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise UnknownPlace(f"no place called {written!r} in dim_places{hint}")
    return found


def indicators_answer(
    path: Path, place: str, *, metric: str | None = None, period: str | None = None, kind: str | None = None
) -> tuple[list[Place], pa.Table]:
    """The places `place` names and their indicators, one row per indicator and source fact."""
    con = connect_read_only(path)
    try:
        if not all_exist(con, "marts", ("dim_places", "fct_indicators")) or not _has_name_keys(con):
            raise UnknownPlace(
                f"warehouse {path} has no indicators (built by an older newsfacts, or never run): "
                "`newsfacts run` builds them"
            )
        places = find_places(con, place)
        answer = con.sql(
            ANSWER_SQL,
            params={"places": [p.place_id for p in places], "metric": metric, "period": period, "kind": kind},
        ).to_arrow_table()
    finally:
        con.close()
    return places, answer


def _has_name_keys(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether dim_places has the folded spellings a place is looked up by."""
    return bool(
        con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' and table_name = 'dim_places'"
            " and column_name = 'name_keys'"
        ).fetchall()[0][0]
    )
