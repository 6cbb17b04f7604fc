"""Report stage: the HTML page of facts and flags, linked from the Prefect run."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE

from warehouse.report import write_report


@task(name="write-report", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_report_page(warehouse: Path, target: Path) -> Path:
    """Write the report of the committed warehouse and link it from the run."""
    page = write_report(warehouse, target)
    create_link_artifact(
        key="newsfacts-report",
        link=page.resolve().as_uri(),
        link_text="newsfacts report (facts and flags by province, metric and run)",
        description="Facts and flags by province, by metric and over runs, and the worst rows",
    )
    get_run_logger().info("report: %s", page)
    return page
