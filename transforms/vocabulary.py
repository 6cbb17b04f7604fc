"""Extraction vocabularies compiled from the curated tables in `seeds/reference/`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from transforms.spans import alternation

REFERENCE_TABLES = (
    "debris_patterns",
    "units",
    "scale_words",
    "count_nouns",
    "metrics",
    "metric_keywords",
    "honorifics",
    "title_keywords",
    "surnames",
    "document_types",
    "event_kinds",
    "qualifiers",
    "per_words",
    "bare_number_cues",
    "percent_bases",
    "places",
    "provinces_2025",
    "admin_units",
    "regions",
)


@dataclass(frozen=True)
class Vocabulary:
    """Reference tables and the regex alternations built from them."""

    tables: dict[str, pl.DataFrame]
    # Patterns and lookup frames made from the tables, kept for the next batch: making them again cost
    # every batch about 20 ms of Python and eager polars.
    _built: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def built(self, key: str, build: Callable[[], Any]) -> Any:
        """What `build` makes of this vocabulary, made on first use."""
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    def table(self, name: str) -> pl.DataFrame:
        """One reference table."""
        return self.tables[name]

    def patterns(self, kind: str) -> list[str]:
        """Line patterns of one debris kind."""
        frame = self.tables["debris_patterns"]
        return self.built(f"patterns:{kind}", lambda: frame.filter(pl.col("kind") == kind)["pattern"].to_list())

    def words(self, name: str, column: str) -> list[str]:
        """Distinct values of one column of a reference table."""
        return self.tables[name][column].drop_nulls().unique().to_list()

    def regex(self, name: str, column: str) -> str:
        """Alternation of a column's values, longest first, special characters escaped."""
        return self.built(f"regex:{name}.{column}", lambda: alternation(self.words(name, column)))


def place_names(places: pl.DataFrame) -> pl.DataFrame:
    """One row per spelling of a place: `spelling`, `place_id`, `kind`."""
    spellings = places.select(
        "place_id",
        "kind",
        pl.concat_list(
            pl.col("name"),
            pl.col("name_vi"),
            pl.col("aliases").fill_null("").str.split("|"),
        ).alias("spelling"),
    )
    return (
        spellings.explode("spelling")
        .with_columns(pl.col("spelling").str.strip_chars())
        .filter(pl.col("spelling").str.len_chars() > 1)
        .unique(["spelling"], keep="first", maintain_order=True)
    )
