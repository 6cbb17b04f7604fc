"""Validation, start to end: build the check tables, run the suites, keep the results, flag the rows.

`validate` is the one entry point; the validate stage of the flows (flows/validate.py) only calls it and
leaves artifacts. The SQL side lives in `warehouse.quality_io`, which knows the suites only as a catalog
(`suites.catalog`); Great Expectations runs in `runner`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path

import polars as pl

from expectations import docs
from expectations.report import markdown_summary
from expectations.runner import run_checks
from expectations.suites import ARTICLE, all_checks, catalog
from warehouse import db, models, quality_io

# Reference tables the suites read, from the warehouse's `reference` schema (loaded from seeds/reference/).
SUITE_REFERENCE_TABLES = ("units", "metrics", "metric_ranges", "metric_reference", "shares", "derived_ranges")
# Debris kinds no article body may still hold (reference.debris_patterns).
DEBRIS_KINDS = ("widget", "media", "cms_field")


@dataclass(frozen=True)
class Scope:
    """Which rows a validation reads.

    With a `fingerprint` of the suites' inputs, Great Expectations reads only the check rows that changed
    since the last validation with the same fingerprint, and the others keep their flags; without one,
    when it changed or with `validate_all`, every row is read. With `changed_articles` (of an incremental
    mart build), only the check rows those articles can change are built again.
    """

    as_of: date
    fingerprint: str | None = None
    validate_all: bool = False
    changed_articles: tuple[str, ...] | None = None


@dataclass
class Outcome:
    """What one validation found."""

    passed: int
    failed: int
    rows_flagged: int
    flags: int
    flags_carried: int
    rows_total: int
    rows_validated: int
    blocking: list[str] = field(default_factory=list)
    failed_table: list[dict] = field(default_factory=list)
    markdown: str = ""
    quality_page: str | None = None
    articles: int = 0
    # One entry per quarantined article: article_id, doc_id, source_path, title, expectations, reasons.
    quarantined: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def refusals(self, max_share: float) -> list[str]:
        """Why nothing may be published: failures no one article explains, or too many articles quarantined."""
        held = len(self.quarantined)
        if held <= max_share * self.articles:
            return list(self.blocking)
        return [
            *self.blocking,
            f"{held} of {self.articles} articles ({held / self.articles:.0%}) fail checks of their own, more than"
            f" the {max_share:.0%} allowed (NEWSFACTS_MAX_QUARANTINE_SHARE): a systemic failure, not bad files",
        ]


def validate(
    warehouse: Path,
    scope: Scope,
    *,
    run_id: str,
    checked_at: datetime,
    docs_dir: Path | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
) -> Outcome:
    """Validate the marts of `warehouse` (a build file, reference tables loaded): results and flags stored in it.

    DuckDB's connection is closed while Great Expectations works on copies of the check rows (Arrow
    tables, each made a pandas batch only while its suites run), so that its buffers (up to the 1 GB
    limit) are not held beside GX's.
    """
    logger = logger or logging.getLogger(__name__)
    with db.session(warehouse) as con:
        reference = {name: con.sql(f"select * from reference.{name}").pl() for name in SUITE_REFERENCE_TABLES}
        debris = con.execute(
            "select pattern from reference.debris_patterns where list_contains(?, kind)"
            " order by list_position(?, kind), rowid",
            [list(DEBRIS_KINDS), list(DEBRIS_KINDS)],
        ).fetchall()
        checks = all_checks(reference, scope.as_of)
        suites = catalog(checks)
        fingerprint = scope.fingerprint and f"{scope.fingerprint}:great_expectations=={version('great_expectations')}"
        changed = None if scope.changed_articles is None else list(scope.changed_articles)
        quality_io.build_check_tables(con, [pattern for (pattern,) in debris], changed)
        date_checks = [c.name for c in checks if c.uses_check_date]
        read = quality_io.scope_validation(con, None if scope.validate_all else fingerprint, scope.as_of, date_checks)
        frames = quality_io.check_frames(con, suites)
    logger.info(
        "validating %s check rows (%s)",
        f"{sum(len(f) for f in frames.values()):,}",
        "all rows" if read["scope"] == "all" else f"rows changed since run {read['previous_run_id']}",
    )
    results, flags, data_docs = run_checks(frames, checks, docs_dir, run_name=run_id)
    del frames
    with db.session(warehouse) as con:
        carried = quality_io.carried_flags(con, suites, read["previous_run_id"])
        results = with_carried(results, carried)
        stored = quality_io.record_results(
            con, results, flags, suites, run_id=run_id, checked_at=checked_at, carried=carried
        )
        counts = quality_io.save_validation(
            con,
            run_id=run_id,
            validated_at=checked_at,
            as_of=scope.as_of,
            fingerprint=fingerprint,
            scope=read["scope"],
            flags_carried=carried.height,
        )
        quarantine, untraced = quality_io.record_quarantine(con, suites, run_id=run_id, quarantined_at=checked_at)
        articles = con.execute("select count(*) from marts.dim_articles").fetchone()[0]
        flagged = models.build_flagged_marts(con, run_id)
        if docs_dir is not None:
            rows, history = quality_io.flagged_rows(con, run_id, suites), quality_io.validation_history(con)
    data_docs.result()
    outcome = summarize(
        results, stored, flagged, flags_carried=carried.height, **counts,
        gates=suites, quarantine=quarantine, untraced=untraced, articles=articles,
    )  # fmt: skip
    if docs_dir is not None:
        page = docs.run_page(run_id, checked_at, results, rows, docs.gx_pages(docs_dir, run_id), quarantine)
        outcome.quality_page = str(docs.write_pages(docs_dir, run_id, page, docs.index_page(history)))
    logger.info(
        "expectations: %s passed, %s failed; %s rows flagged (%s of %s check rows validated, %s flags carried over)",
        outcome.passed,
        outcome.failed,
        flagged,
        f"{outcome.rows_validated:,}",
        f"{outcome.rows_total:,}",
        f"{carried.height:,}",
    )
    if docs_dir is not None:
        logger.info("Data Docs: %s (this run's quality state: %s)", docs_dir / "index.html", outcome.quality_page)
    for article in outcome.quarantined:
        logger.warning(
            "quarantined article %s (%s): %s",
            article["article_id"],
            article["source_path"],
            "; ".join(article["reasons"]),
        )
    for failure in outcome.blocking:
        logger.error("blocking failure: %s", failure)
    return outcome


def with_carried(results: pl.DataFrame, carried: pl.DataFrame) -> pl.DataFrame:
    """Results of this run's GX validation, counting the failing rows carried over from the last one."""
    if carried.is_empty():
        return results
    counts = carried.group_by("expectation").agg(carried=pl.len().cast(pl.Int64))
    return (
        results.join(counts, on="expectation", how="left")
        .with_columns(pl.col("carried").fill_null(0))
        .with_columns(
            success=pl.col("success") & (pl.col("carried") == 0),
            unexpected_count=pl.col("unexpected_count").fill_null(0) + pl.col("carried"),
            observed_value=pl.when(pl.col("carried") > 0)
            .then(
                pl.format(
                    "{} rows unexpected: {} of {} rows validated now, {} unchanged rows flagged before",
                    pl.col("unexpected_count").fill_null(0) + pl.col("carried"),
                    pl.col("unexpected_count").fill_null(0),
                    pl.col("element_count").fill_null(0),
                    pl.col("carried"),
                )
            )
            .otherwise(pl.col("observed_value")),
        )
        .drop("carried")
    )


def summarize(
    results: pl.DataFrame,
    flags: pl.DataFrame,
    flagged: int,
    *,
    flags_carried: int,
    rows_total: int,
    rows_validated: int,
    gates: pl.DataFrame | None = None,
    quarantine: pl.DataFrame | None = None,
    untraced: dict[str, int] | None = None,
    articles: int = 0,
) -> Outcome:
    """Counts, blocking failures, quarantined articles and the markdown report of one validation.

    A failed error check blocks the run unless it is article-gated (`gates`, the suites' catalog) and every
    one of its failing rows names the article it quarantines.
    """
    quarantine = QUARANTINE_FRAME.clear() if quarantine is None else quarantine
    article_gated = set() if gates is None else set(gates.filter(pl.col("gate") == ARTICLE)["expectation"])
    held = set(quarantine["expectation"]) - {name for name, rows in (untraced or {}).items() if rows}
    failed = results.filter(~pl.col("success"))
    blocking = failed.filter(
        (pl.col("severity") == "error") & ~(pl.col("expectation").is_in(sorted(article_gated & held)))
    )
    return Outcome(
        passed=results.height - failed.height,
        failed=failed.height,
        rows_flagged=flagged,
        flags=flags.height,
        flags_carried=flags_carried,
        rows_total=rows_total,
        rows_validated=rows_validated,
        blocking=[
            f"{r['table_name']}: {r['expectation']} ({r['observed_value']})" for r in blocking.iter_rows(named=True)
        ],
        failed_table=failed.select(
            "table_name", "expectation", "rule", "severity", "unexpected_count", "note"
        ).to_dicts(),
        markdown=markdown_summary(results, flags, quarantine),
        articles=articles,
        quarantined=quarantined_articles(quarantine),
    )


QUARANTINE_FRAME = pl.DataFrame(
    schema={
        "article_id": pl.String,
        "doc_id": pl.String,
        "source_path": pl.String,
        "title": pl.String,
        "expectation": pl.String,
        "reason": pl.String,
    }
)


def quarantined_articles(quarantine: pl.DataFrame) -> list[dict]:
    """One entry per quarantined article, its failing expectations and their reasons, by source path."""
    return (
        quarantine.group_by("article_id", maintain_order=True)
        .agg(
            pl.col("doc_id", "source_path", "title").first(),
            expectations=pl.col("expectation"),
            reasons=pl.col("reason"),
        )
        .sort("source_path", "article_id", nulls_last=True)
        .to_dicts()
    )
