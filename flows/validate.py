"""Validate stage: the Great Expectations suites over the marts, results into `quality`, artifacts in Prefect."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from expectations.validation import Outcome, Scope, validate


@task(name="run-expectation-suites", cache_policy=NO_CACHE)
def run_suites(
    work: Path,
    run_id: str,
    checked_at: datetime,
    as_of: date,
    docs_dir: Path | None = None,
    fingerprint: str | None = None,
    validate_all: bool = False,
    changed_articles: list[str] | None = None,
) -> Outcome:
    """Run every suite over the build `work`, store results and row flags, flag the marts (`expectations.validate`)."""
    scope = Scope(as_of, fingerprint, validate_all, None if changed_articles is None else tuple(changed_articles))
    return validate(work, scope, run_id=run_id, checked_at=checked_at, docs_dir=docs_dir, logger=get_run_logger())


@task(name="report-quality")
def report_quality(outcome: Outcome) -> None:
    """Leave the quality summary and the failed expectations as artifacts of the run."""
    create_markdown_artifact(key="newsfacts-quality", markdown=outcome.markdown, description="Quality summary")
    if outcome.quality_page:
        create_link_artifact(
            key="newsfacts-data-docs",
            link=Path(outcome.quality_page).as_uri(),
            link_text="Data quality of this run (Data Docs)",
            description="Every expectation and flagged row of the warehouse after this run, carried flags included",
        )
    if outcome.failed_table:
        create_table_artifact(
            key="newsfacts-failed-expectations",
            table=outcome.failed_table,
            description="Expectations that failed in this run",
        )
