"""The one configuration of newsfacts: defaults, `NEWSFACTS_*` variables, then command-line options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Prefect's ephemeral API needs 15-30 s to start cold here; its default 20 s can expire.
PREFECT_STARTUP_TIMEOUT_S = 120


class Settings(BaseSettings):
    """Where newsfacts reads and writes, and how it runs."""

    model_config = SettingsConfigDict(env_prefix="NEWSFACTS_", extra="ignore")

    source: Path = Field(PROJECT_ROOT / "seeds" / "raw", description="landing folder of raw article texts")
    warehouse: Path = Field(PROJECT_ROOT / "warehouse" / "newsfacts.duckdb", description="DuckDB warehouse file")
    publish_dir: Path = Field(PROJECT_ROOT / "warehouse" / "published", description="where Parquet is published")
    reference_dir: Path = Field(PROJECT_ROOT / "seeds" / "reference", description="curated reference tables")
    data_docs_dir: Path = Field(PROJECT_ROOT / "warehouse" / "data_docs", description="GX Data Docs site")
    max_file_bytes: int = Field(20_000_000, gt=0, description="larger landing files are rejected, not read")
    batch_docs: int = Field(500, gt=0, description="documents per transform batch")
    lock_timeout_s: float = Field(600.0, ge=0, description="how long a run waits for another one to finish")
    task_runner: Literal["threads", "dask"] = Field("threads", description="task runner of the transform stage")
    extract_threads: int = Field(2, gt=0, description="batches extracted at once by the threads task runner")
    dask_address: str | None = Field(None, description="existing Dask scheduler; a local cluster when unset")
    dask_workers: int = Field(2, gt=0, description="workers of the local Dask cluster (batches extracted at once)")
    publish_only_ok: bool = Field(False, description="publish only facts whose quality_status is ok")
    keep_publications: int = Field(3, gt=0, description="published versions kept on disk")
    max_quarantine_share: float = Field(
        0.2, ge=0, le=1, description="largest share of articles quarantined before a run is refused as systemic"
    )
    schedule_cron: str = Field("0 6 * * *", description="cron of the scheduled re-ingestion deployment")
    schedule_timezone: str = Field("Asia/Ho_Chi_Minh", description="timezone of the re-ingestion schedule")

    def paths(self, source: Path | None, warehouse: Path | None, publish_dir: Path | None) -> tuple[Path, Path, Path]:
        """Landing folder, warehouse file and publish folder: the given ones, else the configured ones."""
        return Path(source or self.source), Path(warehouse or self.warehouse), Path(publish_dir or self.publish_dir)


def configure_prefect() -> None:
    """Defaults for Prefect's embedded server, each unless the user chose otherwise.

    Time to start on slow machines; and no usage telemetry from the server newsfacts starts for
    itself (offline, its sender fails at every start and can meet a locked SQLite database).
    """
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(PREFECT_STARTUP_TIMEOUT_S))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
