"""Ingest stage: the landing folder into `raw`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.progress import report
from warehouse import db
from warehouse.ingest import ingest_landing as load_landing


@task(name="ingest-landing-folder", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def ingest_landing(work: Path, source: Path, run_id: str, now: datetime, max_file_bytes: int) -> pl.DataFrame:
    """Read new and changed files of the landing folder into raw; returns the ingest log."""
    logger = get_run_logger()
    with db.session(work) as con:
        log = load_landing(
            con,
            source,
            run_id=run_id,
            now=now,
            max_bytes=max_file_bytes,
            progress=lambda done, total, done_bytes: _progress(logger, done, total, done_bytes),
        )
    counts = dict(log.group_by("status").len().iter_rows())
    logger.info("landing folder %s: %s", source, ", ".join(f"{n:,} {s}" for s, n in sorted(counts.items())) or "empty")
    for row in log.filter(pl.col("status") == "rejected").iter_rows(named=True):
        logger.warning("rejected %s: %s", row["source_path"], row["reason"])
    return log


def _progress(logger, done: int, total: int, done_bytes: int) -> None:
    logger.info("read %s of %s new or changed files", f"{done:,}", f"{total:,}")
    report("ingest", done, total, done_bytes)
