"""Validate stage: the Great Expectations suites over the marts, results into `quality`."""

from __future__ import annotations

from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TypedDict

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from expectations import docs
from expectations.report import markdown_summary
from expectations.runner import run_checks
from expectations.suites import all_checks
from warehouse import db, quality_io
from warehouse.reference import load_vocabulary, read_reference

SUITE_REFERENCE_TABLES = ("units", "metrics", "metric_ranges", "metric_reference", "shares", "derived_ranges")


@task(name="run-expectation-suites", cache_policy=NO_CACHE)
def run_suites(
    work: Path,
    reference_dir: Path,
    run_id: str,
    checked_at: datetime,
    as_of: date,
    docs_dir: Path | None = None,
    fingerprint: str | None = None,
    validate_all: bool = False,
    changed_articles: list[str] | None = None,
) -> QualityOutcome:
    """Run every suite, store results and row flags, flag the marts; returns the outcome.

    With a `fingerprint` of the suites' inputs, Great Expectations reads only the check rows that
    changed since the last validation with the same fingerprint and the others keep their flags;
    without one, when it changed or with `validate_all`, every row is validated (and with a
    fingerprint, the next validation can again read only what changes). With `changed_articles` (of an
    incremental mart build), only the check rows those articles can change are built again.
    """
    vocab = load_vocabulary(reference_dir)
    reference = {name: read_reference(reference_dir, name) for name in SUITE_REFERENCE_TABLES}
    debris = vocab.patterns("widget") + vocab.patterns("media") + vocab.patterns("cms_field")
    checks = all_checks(reference, as_of)
    fingerprint = fingerprint and f"{fingerprint}:great_expectations=={version('great_expectations')}"
    logger = get_run_logger()
    with db.session(work) as con:
        quality_io.build_check_tables(con, debris, changed_articles)
        scope = quality_io.scope_validation(
            con, None if validate_all else fingerprint, as_of, [c.name for c in checks if c.uses_check_date]
        )
        frames = quality_io.check_frames(con, checks)
    # DuckDB's connection is closed while Great Expectations works on its pandas copies, so that its
    # buffers (up to the 1 GB limit) are not held beside GX's.
    logger.info(
        "validating %s check rows (%s)",
        f"{sum(len(f) for f in frames.values()):,}",
        "all rows" if scope["scope"] == "all" else f"rows changed since run {scope['previous_run_id']}",
    )
    results, flags, data_docs = run_checks(frames, checks, docs_dir, run_name=run_id)
    del frames
    with db.session(work) as con:
        carried = quality_io.carried_flags(con, checks, scope["previous_run_id"])
        results = with_carried(results, carried)
        stored = quality_io.record_results(
            con, results, flags, checks, run_id=run_id, checked_at=checked_at, carried=carried
        )
        counts = quality_io.save_validation(
            con,
            run_id=run_id,
            validated_at=checked_at,
            as_of=as_of,
            fingerprint=fingerprint,
            scope=scope["scope"],
            flags_carried=carried.height,
        )
        flagged = quality_io.apply_flags(con, run_id)
        if docs_dir is not None:
            rows, history = quality_io.flagged_rows(con, run_id, checks), quality_io.validation_history(con)
    data_docs.result()
    outcome: QualityOutcome = {**summarize(results, stored, flagged), **counts, "flags_carried": carried.height}
    if docs_dir is not None:
        page = docs.run_page(run_id, checked_at, results, rows, docs.gx_pages(docs_dir, run_id))
        page = docs.write_pages(docs_dir, run_id, page, docs.index_page(history))
        outcome["quality_page"] = str(page)
    logger.info(
        "expectations: %s passed, %s failed; %s rows flagged (%s of %s check rows validated, %s flags carried over)",
        outcome["passed"],
        outcome["failed"],
        flagged,
        f"{counts['rows_validated']:,}",
        f"{counts['rows_total']:,}",
        f"{carried.height:,}",
    )
    if docs_dir is not None:
        logger.info("Data Docs: %s (this run's quality state: %s)", docs_dir / "index.html", outcome["quality_page"])
    for failure in outcome["blocking"]:
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


class QualityOutcome(TypedDict, total=False):
    """What one validation found: the result of the validate stage."""

    passed: int
    failed: int
    rows_flagged: int
    flags: int
    blocking: list[str]
    failed_table: list[dict]
    markdown: str
    rows_total: int
    rows_validated: int
    flags_carried: int
    quality_page: str


def summarize(results: pl.DataFrame, flags: pl.DataFrame, flagged: int) -> QualityOutcome:
    """Counts, blocking failures and the markdown report of one validation."""
    failed = results.filter(~pl.col("success"))
    blocking = failed.filter(pl.col("severity") == "error")
    return {
        "passed": results.height - failed.height,
        "failed": failed.height,
        "rows_flagged": flagged,
        "flags": flags.height,
        "blocking": [
            f"{r['table_name']}: {r['expectation']} ({r['observed_value']})" for r in blocking.iter_rows(named=True)
        ],
        "failed_table": failed.select(
            "table_name", "expectation", "rule", "severity", "unexpected_count", "note"
        ).to_dicts(),
        "markdown": markdown_summary(results, flags),
    }


@task(name="report-quality")
def report_quality(outcome: QualityOutcome) -> None:
    """Leave the quality summary and the failed expectations as artifacts of the run."""
    create_markdown_artifact(key="newsfacts-quality", markdown=outcome["markdown"], description="Quality summary")
    if outcome.get("quality_page"):
        create_link_artifact(
            key="newsfacts-data-docs",
            link=Path(outcome["quality_page"]).as_uri(),
            link_text="Data quality of this run (Data Docs)",
            description="Every expectation and flagged row of the warehouse after this run, carried flags included",
        )
    if outcome["failed_table"]:
        create_table_artifact(
            key="newsfacts-failed-expectations",
            table=outcome["failed_table"],
            description="Expectations that failed in this run",
        )
