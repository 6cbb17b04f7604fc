"""Validate stage: the Great Expectations suites over the marts, results into `quality`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from expectations.report import markdown_summary
from expectations.runner import run_checks
from expectations.suites import all_checks
from warehouse import db, quality
from warehouse.reference import load_vocabulary, read_reference

SUITE_REFERENCE_TABLES = ("units", "metrics", "metric_ranges", "metric_reference", "shares", "derived_ranges")


@task(name="run-expectation-suites", cache_policy=NO_CACHE)
def run_suites(
    work: Path, reference_dir: Path, run_id: str, checked_at: datetime, as_of: date, docs_dir: Path | None = None
) -> dict:
    """Run every suite, store results and row flags, flag the marts; returns the outcome."""
    vocab = load_vocabulary(reference_dir)
    reference = {name: read_reference(reference_dir, name) for name in SUITE_REFERENCE_TABLES}
    debris = vocab.patterns("widget") + vocab.patterns("media") + vocab.patterns("cms_field")
    checks = all_checks(reference, debris, as_of)
    with db.session(work) as con:
        frames = quality.build_check_tables(con)
        results, flags = run_checks(frames, checks, docs_dir)
        stored = quality.record_results(con, results, flags, checks, run_id=run_id, checked_at=checked_at)
        flagged = quality.apply_flags(con, run_id)
    outcome = summarize(results, stored, flagged)
    logger = get_run_logger()
    logger.info("expectations: %s passed, %s failed; %s rows flagged", outcome["passed"], outcome["failed"], flagged)
    if docs_dir is not None:
        logger.info("Data Docs: %s", docs_dir / "index.html")
    for failure in outcome["blocking"]:
        logger.error("blocking failure: %s", failure)
    return outcome


def summarize(results: pl.DataFrame, flags: pl.DataFrame, flagged: int) -> dict:
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
def report_quality(outcome: dict) -> None:
    """Leave the quality summary and the failed expectations as artifacts of the run."""
    create_markdown_artifact(key="newsfacts-quality", markdown=outcome["markdown"], description="Quality summary")
    if outcome["failed_table"]:
        create_table_artifact(
            key="newsfacts-failed-expectations",
            table=outcome["failed_table"],
            description="Expectations that failed in this run",
        )
