"""The one configuration of newsfacts: defaults, `NEWSFACTS_*` variables, then command-line options."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
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
    schedule_cron: str = Field("0 6 * * *", description="cron of the scheduled re-ingestion deployment")
    schedule_timezone: str = Field("Asia/Ho_Chi_Minh", description="timezone of the re-ingestion schedule")


def configure_prefect() -> None:
    """Defaults for Prefect's embedded server, each unless the user chose otherwise.

    Time to start on slow machines; and no usage telemetry from the server newsfacts starts for
    itself (offline, its sender fails at every start and can meet a locked SQLite database).
    """
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(PREFECT_STARTUP_TIMEOUT_S))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@contextlib.contextmanager
def prefect_api() -> Iterator[Callable[[], str | None]]:
    """Prefect's API for one command: the configured one, else a private server stopped at the end.

    Yields `ready()`: call it after the slow imports, it waits for the server and points Prefect at
    it, returning its URL (None when the configured API is used). The server is started before
    Prefect is imported (reading Prefect's settings imports it, ~1.5 s), so it boots meanwhile; a
    Prefect profile that names an API makes it redundant, and it is then stopped unused.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield lambda: None
        return
    from flows.embedded_api import EmbeddedAPI

    server = EmbeddedAPI()
    with contextlib.ExitStack() as stack:
        stack.callback(server.stop)

        def ready() -> str | None:
            from prefect.settings import (
                PREFECT_API_URL,
                PREFECT_SERVER_EPHEMERAL_ENABLED,
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
                temporary_settings,
            )

            if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
                server.stop()
                return None
            server.wait_ready(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
            # Child processes (Dask workers) read the environment, this process its settings context.
            os.environ["PREFECT_API_URL"] = server.url
            stack.callback(os.environ.pop, "PREFECT_API_URL", None)
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.url}))
            # Unwound first: logs and events still queued reach the server before it stops (sent
            # afterwards, Prefect's workers retry for a minute at exit).
            stack.callback(_drain_prefect_workers)
            return server.url

        yield ready


def _drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events now, as `prefect_test_harness` does before stopping its server."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # never started: nothing was logged
            pending = APILogWorker.instance().drain()
            if inspect.isawaitable(pending):
                await pending
        pending = EventsWorker.drain_all()
        if inspect.isawaitable(pending):
            await pending

    run_coro_as_sync(drain())
