"""Publish stage: validated marts as Parquet with a manifest."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from transforms.extract import EXTRACTOR_VERSION
from warehouse import db
from warehouse.publish import publish


@task(name="publish-parquet", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish_marts(
    work: Path, publish_dir: Path, run_id: str, now: datetime, only_ok: bool, keep: int, quarantined: list[dict]
) -> dict:
    """Write the marts but the `quarantined` articles as Parquet by province and year, swap them in; the manifest."""
    with db.session(work) as con:
        manifest = publish(
            con,
            publish_dir,
            run_id=run_id,
            published_at=now,
            only_ok=only_ok,
            keep=keep,
            extra={"extractor_version": EXTRACTOR_VERSION},
            quarantined=quarantined,
        )
    rows = sum(t["rows"] for t in manifest["tables"].values())
    partitions = sum(len(t["partitions"]) for t in manifest["tables"].values())
    written = sum(t["written"] for t in manifest["tables"].values())
    get_run_logger().info(
        "published %s tables (%s rows in %s partitions: %s written, %s reused) to %s",
        len(manifest["tables"]),
        f"{rows:,}",
        f"{partitions:,}",
        f"{written:,}",
        f"{partitions - written:,}",
        publish_dir / "current",
    )
    get_run_logger().log(
        logging.WARNING if quarantined else logging.INFO,
        "%s articles quarantined (quality.quarantine), not published: %s",
        len(quarantined),
        ", ".join(str(article["source_path"]) for article in quarantined) or "none",
    )
    return manifest
