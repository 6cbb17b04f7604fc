"""Build stage: reference seeds and the SQL mart models."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from warehouse import db, models


@task(name="load-reference-tables", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_reference(work: Path, reference_dir: Path) -> list[str]:
    """Replace the reference schema with the curated CSVs."""
    with db.session(work) as con:
        return models.load_reference(con, reference_dir)


@task(name="build-marts", cache_policy=NO_CACHE)
def build_marts(work: Path, fingerprint: str | None = None, full_refresh: bool = True) -> models.MartBuild:
    """Build the marts in one transaction; only changed articles' rows over marts of the same `fingerprint`."""
    with db.session(work) as con:
        incremental = not full_refresh and fingerprint is not None and models.marts_fingerprint(con) == fingerprint
        built = models.build_marts(con, incremental=incremental)
    how = "all rows" if built.changed_articles is None else f"{len(built.changed_articles):,} articles changed"
    get_run_logger().info("marts built (%s): %s", how, ", ".join(f"{n} {c:,}" for n, c in built.rows.items()))
    return built


@task(name="find-last-completed-run", cache_policy=NO_CACHE)
def last_completed_run(work: Path) -> dict | None:
    """What the last completed run built and published."""
    with db.session(work) as con:
        return models.last_completed_run(con)
