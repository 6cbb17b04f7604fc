"""The expectation suites of newsfacts, as data: what each check tests, why, and how bad a failure is.

Checks are plain records so that suites can be listed, documented and tested without importing
Great Expectations (which takes seconds); `expectations.runner` turns them into GX expectations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import polars as pl

# error: structure is broken, publishing stops. warning: rows are flagged and published.
ERROR, WARNING = "error", "warning"
# What an error failure holds back. article: the rows fail in their own article (no body, debris, a span
# that misses its surface, an unknown unit), which is quarantined while the others publish. run: keys,
# grain and relationships between marts, or anything no one article explains; nothing is published.
ARTICLE, RUN = "article", "run"
# Years outside this span in a dated mention are typos ("2103") or unparsed dates.
EARLIEST_YEAR = 1945


@dataclass(frozen=True)
class Check:
    """One expectation: a GX expectation type and its arguments, plus why it exists."""

    suite: str
    # The check table the expectation reads: a model of warehouse/checks/, each row named by its check_key.
    table: str
    name: str
    rule: str
    severity: str
    note: str
    expectation: str
    kwargs: dict[str, Any]
    # Conjunction of (column, value) equalities restricting the rows the check applies to.
    where: tuple[tuple[str, Any], ...] = ()
    # Column of the check table that explains a failing row to a person.
    message_column: str | None = None
    # quality_status a failing row gets in its mart.
    row_status: str = "warning"
    # The outcome depends on the day of the check (a bound from `as_of`), not only on the row: a row it
    # flagged is checked again on a later day even if the row did not change.
    uses_check_date: bool = False
    # Of an error check: ARTICLE or RUN, what a failure holds back.
    gate: str = RUN
    extra: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> set[str]:
        """Columns of the check table the expectation reads (tested, compared or in its condition)."""
        named = {self.kwargs[k] for k in ("column", "column_A", "column_B") if k in self.kwargs}
        return named | set(self.kwargs.get("column_list", ())) | {column for column, _ in self.where}


def quantity_checks(reference: dict[str, pl.DataFrame]) -> list[Check]:
    """Suite `fct_quantities`: structure, units, magnitudes, reference figures and shares."""
    table, suite = "chk_quantities", "fct_quantities"
    units = sorted(set(reference["units"]["unit"].to_list()) | {"count"})
    checks = [
        Check(
            suite,
            table,
            "fact_id is unique",
            "structure",
            ERROR,
            "facts are addressed by fact_id in flags and published files",
            "ExpectColumnValuesToBeUnique",
            {"column": "fact_id"},
        ),
        Check(
            suite,
            table,
            "fact_id is present",
            "structure",
            ERROR,
            "a fact without a key cannot be flagged or audited",
            "ExpectColumnValuesToNotBeNull",
            {"column": "fact_id"},
        ),
        Check(
            suite,
            table,
            "article_id is present",
            "structure",
            ERROR,
            "every fact must lead back to its article",
            "ExpectColumnValuesToNotBeNull",
            {"column": "article_id"},
        ),
        Check(
            suite,
            table,
            "offsets reproduce the surface",
            "structure",
            ERROR,
            "auditors find a fact by its span in raw.documents.text",
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "surface", "column_B": "text_at_span"},
            message_column="msg_offsets",
            row_status="implausible",
            gate=ARTICLE,
        ),
        Check(
            suite,
            table,
            "unit is in the vocabulary",
            "structure",
            ERROR,
            "units outside seeds/reference/units.csv cannot be converted or compared",
            "ExpectColumnValuesToBeInSet",
            {"column": "unit", "value_set": units},
            gate=ARTICLE,
        ),
    ]
    metrics = reference["metrics"].filter(pl.col("dimension").is_not_null())
    for metric, dimension in metrics.select("metric", "dimension").iter_rows():
        checks.append(
            Check(
                suite,
                table,
                f"{metric}: unit measures {dimension}",
                "units",
                WARNING,
                f"a {metric} figure must be stated in a unit of {dimension}",
                "ExpectColumnValuesToBeInSet",
                # A share changes by percentage points; a multiple fits any metric.
                {
                    "column": "unit_dimension",
                    "value_set": [dimension, "ratio"] + ["share_change"] * (dimension == "share"),
                },
                where=(("metric", metric),),
                message_column="msg_unit",
                row_status="implausible",
            )
        )
    for row in reference["metric_ranges"].iter_rows(named=True):
        checks.append(
            Check(
                suite,
                table,
                f"{row['metric']} of a {row['subject_kind']} is plausible",
                "magnitude",
                WARNING,
                row["reason"],
                "ExpectColumnValuesToBeBetween",
                {"column": "value_base", "min_value": float(row["min_base"]), "max_value": float(row["max_base"])},
                where=(
                    ("metric", row["metric"]),
                    ("subject_kind", row["subject_kind"]),
                    ("is_current", True),
                    ("is_level", True),
                ),
                message_column="msg_magnitude",
                row_status="implausible",
            )
        )
    for row in reference["metric_reference"].iter_rows(named=True):
        checks.append(
            Check(
                suite,
                table,
                f"{row['metric']} agrees with the gazetteer",
                "reference",
                WARNING,
                row["reason"],
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {
                    "column_A": "ref_ratio_max",
                    "column_B": "ref_ratio",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                where=(("metric", row["metric"]),),
                message_column="msg_reference",
                row_status="warning",
            ),
        )
        checks.append(
            Check(
                suite,
                table,
                f"{row['metric']} is not far below the gazetteer",
                "reference",
                WARNING,
                row["reason"],
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {
                    "column_A": "ref_ratio",
                    "column_B": "ref_ratio_min",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                where=(("metric", row["metric"]),),
                message_column="msg_reference",
                row_status="warning",
            ),
        )
    for row in reference["shares"].iter_rows(named=True):
        checks.append(
            Check(
                suite,
                table,
                f"{row['metric']} percentages are a possible share",
                "shares",
                WARNING,
                row["reason"],
                "ExpectColumnValuesToBeBetween",
                {"column": "value", "min_value": float(row["min_percent"]), "max_value": float(row["max_percent"])},
                where=(("metric", row["metric"]), ("unit", "percent")),
                message_column="msg_share",
                row_status="implausible",
            )
        )
    for row in reference["derived_ranges"].iter_rows(named=True):
        checks.append(
            Check(
                suite,
                table,
                f"{row['measure'].replace('_', ' ')} is plausible",
                "derived",
                WARNING,
                row["reason"],
                "ExpectColumnValuesToBeBetween",
                {
                    "column": row["measure"],
                    "min_value": float(row["min_value"]),
                    "max_value": float(row["max_value"]),
                },
                message_column=f"msg_{row['measure']}",
                row_status="implausible",
            )
        )
    checks += [
        Check(
            suite,
            table,
            "no figure exceeds what its subject can hold",
            "magnitude",
            WARNING,
            "bounds per unit dimension and kind of subject (seeds/reference/dimension_ranges.csv) hold whatever "
            "the metric: no area larger than the country, no more people than the country or the subject has",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": "dimension_max_base",
                "column_B": "value_base",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            message_column="msg_dimension",
            row_status="implausible",
        ),
        Check(
            suite,
            table,
            "parts add up to their total",
            "parts",
            WARNING,
            "a total followed by its breakdown (375 officials: 10 doctors, 151 masters...) must equal its sum",
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "value", "column_B": "parts_sum", "ignore_row_if": "either_value_is_missing"},
            message_column="msg_parts",
            row_status="implausible",
        ),
        Check(
            suite,
            table,
            "no other article disagrees",
            "conflicts",
            WARNING,
            "the same subject, metric and period should have one value across articles",
            "ExpectColumnValuesToBeNull",
            {"column": "conflict_article_id"},
            message_column="msg_conflict",
            row_status="warning",
        ),
    ]
    return checks


def article_checks(as_of: date) -> list[Check]:
    """Suite `dim_articles`: keys, title and body, no debris left, no publication in the future."""
    table, suite = "chk_articles", "dim_articles"
    return [
        Check(
            suite,
            table,
            "article_id is unique",
            "structure",
            ERROR,
            "one row per article is the grain of dim_articles",
            "ExpectColumnValuesToBeUnique",
            {"column": "article_id"},
        ),
        Check(
            suite,
            table,
            "article has a body",
            "structure",
            ERROR,
            "an article without text cannot hold facts",
            "ExpectColumnValuesToBeBetween",
            {"column": "body_chars", "min_value": 1},
            message_column="msg_body",
            row_status="implausible",
            gate=ARTICLE,
        ),
        Check(
            suite,
            table,
            "article has a title",
            "structure",
            WARNING,
            "some scrapes lose the headline; the article stays but is flagged",
            "ExpectColumnValuesToNotBeNull",
            {"column": "title"},
            message_column="msg_title",
        ),
        Check(
            suite,
            table,
            "no CMS debris left in the body",
            "structure",
            ERROR,
            "debris in a body means the cleaner missed a pattern (debris_found: the first line of the body "
            "that a widget, media or CMS-field pattern of seeds/reference/debris_patterns.csv matches)",
            "ExpectColumnValuesToBeNull",
            {"column": "debris_found"},
            message_column="msg_debris",
            row_status="implausible",
            gate=ARTICLE,
        ),
        Check(
            suite,
            table,
            "not published in the future",
            "time",
            WARNING,
            "a publication date after the check time is a parsing or portal error",
            "ExpectColumnValuesToBeBetween",
            {"column": "published_at", "max_value": datetime.combine(as_of, time.max)},
            message_column="msg_future",
            row_status="implausible",
            uses_check_date=True,
        ),
    ]


def dated_mention_checks(as_of: date) -> list[Check]:
    """Suite `dated_mentions`: documents and events are not dated after their article."""
    table, suite = "chk_dated_mentions", "dated_mentions"
    return [
        Check(
            suite,
            table,
            "dated no later than publication",
            "time",
            WARNING,
            "an article cannot report a document or event dated after it was published",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": "published_on",
                "column_B": "mention_date",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            message_column="msg_after_publication",
            row_status="implausible",
        ),
        Check(
            suite,
            table,
            "year in a plausible span",
            "time",
            WARNING,
            "years before the Republic or after today are typos",
            "ExpectColumnValuesToBeBetween",
            {"column": "mention_year", "min_value": EARLIEST_YEAR, "max_value": as_of.year},
            message_column="msg_year",
            row_status="implausible",
            uses_check_date=True,
        ),
    ]


# Marts whose keys chk_keys tests: those without a check table of their own.
KEYED_MARTS = ("dim_people", "dim_places", "fct_person_roles", "fct_document_refs", "fct_events", "fct_indicators")


# The key rules of chk_keys: name, the marts it applies to (None: all), why, expectation, its arguments, message.
KEY_RULES = (
    ("key is present", None, "a row without a key cannot be found, joined or flagged",
     "ExpectColumnValuesToNotBeNull", {"column": "row_key"}, "msg_key_missing"),
    ("key is unique", None, "the grain of the mart is one row per key",
     "ExpectColumnValuesToBeBetween", {"column": "key_rows", "max_value": 1}, "msg_key_unique"),
    ("rows belong to an article", ("fct_person_roles", "fct_document_refs", "fct_events"),
     "every mention must lead back to an article of dim_articles",
     "ExpectColumnValuesToBeInSet", {"column": "has_article", "value_set": [True]}, "msg_orphan_article"),
    ("rows belong to a person", ("fct_person_roles",), "every role must lead to a person of dim_people",
     "ExpectColumnValuesToBeInSet", {"column": "has_person", "value_set": [True]}, "msg_orphan_person"),
    ("rests on facts", ("fct_indicators",), "every fact an indicator rests on must be in fct_quantities",
     "ExpectColumnValuesToBeInSet", {"column": "has_facts", "value_set": [True]}, "msg_missing_fact"),
)  # fmt: skip


def key_checks() -> list[Check]:
    """One suite per mart not covered above: its key present and unique, the rows it points to there."""
    return [
        Check(
            mart,
            "chk_keys",
            f"{mart} {name}",
            "structure",
            ERROR,
            note,
            expectation,
            kwargs,
            where=(("mart", mart),),
            message_column=message,
            row_status="implausible",
        )
        for mart in KEYED_MARTS
        for name, marts, note, expectation, kwargs, message in KEY_RULES
        if marts is None or mart in marts
    ]


def all_checks(reference: dict[str, pl.DataFrame], as_of: date) -> list[Check]:
    """Every suite of newsfacts."""
    return quantity_checks(reference) + article_checks(as_of) + dated_mention_checks(as_of) + key_checks()


def catalog(checks: list[Check]) -> pl.DataFrame:
    """The suites as the warehouse stores and explains them: one row per expectation (warehouse.quality_io)."""
    return pl.DataFrame(
        {
            "expectation": [c.name for c in checks],
            "suite": [c.suite for c in checks],
            "check_table": [c.table for c in checks],
            "message_column": [c.message_column for c in checks],
            "note": [c.note for c in checks],
            "columns": [sorted(c.columns()) for c in checks],
            "gate": [c.gate if c.severity == ERROR else None for c in checks],
        },
        schema=CATALOG_SCHEMA,
    )


CATALOG_SCHEMA = {
    "expectation": pl.String,
    "suite": pl.String,
    "check_table": pl.String,
    "message_column": pl.String,
    "note": pl.String,
    "columns": pl.List(pl.String),
    "gate": pl.String,
}
