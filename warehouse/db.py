"""The one place that opens DuckDB connections, and the build-then-swap write protocol.

DuckDB lets one process write a file and blocks readers while it does. A run therefore
copies the warehouse to a private build file, writes there, and swaps it in with one
atomic rename when everything succeeded. Readers keep the last completed state and never
wait; a crash leaves the published warehouse untouched; an exclusive lock file makes a
second run wait (bounded) instead of racing.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent
# DuckDB takes 80 % of RAM by default; the pipeline shares the machine with polars and GX, and
# DuckDB spills to disk beyond this.
MEMORY_LIMIT = "1GB"
# DuckDB checkpoints when the write-ahead log passes this size (16 MB by default, which a batch of
# 500 documents passes: every load's commit was a checkpoint, and they grow with the file). A build
# file is private and checkpointed when it is committed, so a longer log costs no safety.
CHECKPOINT_THRESHOLD = "256MB"
SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts", "quality")


class WarehouseError(RuntimeError):
    """A warehouse that is missing, corrupt or busy, with a message for the user."""


class WarehouseBusy(WarehouseError):
    """Another run holds the build lock."""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a build file (only the running pipeline writes)."""
    try:
        return duckdb.connect(
            str(path), config={"memory_limit": MEMORY_LIMIT, "checkpoint_threshold": CHECKPOINT_THRESHOLD}
        )
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc


@contextmanager
def session(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a build file, closed when the block ends."""
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the last completed warehouse."""
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `newsfacts run` first")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(
            f"warehouse {path} cannot be opened ({exc}); rebuild it with `newsfacts run --full-refresh`"
        ) from exc


def connect_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory database that holds no warehouse data, for writing answers out in DuckDB's formats."""
    return duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT})


def lock_path(path: Path) -> Path:
    """The lock file that serialises runs on one warehouse."""
    return path.with_name(path.name + ".lock")


def build_path(path: Path, run_id: str) -> Path:
    """The private file a run builds in."""
    return path.with_name(f".{path.name}.build-{run_id}")


@contextmanager
def run_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """Hold the warehouse's build lock, waiting at most `timeout_s` for another run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path(path), "a+")  # noqa: SIM115 - held for the whole run
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another newsfacts run is writing {path}; waited {timeout_s:.0f} s "
                        "(raise NEWSFACTS_LOCK_TIMEOUT_S to wait longer)"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        handle.close()


def begin_build(path: Path, run_id: str, *, full_refresh: bool = False) -> Path:
    """Start a run's private copy of the warehouse.

    A full refresh keeps `raw` history when the warehouse is readable and starts empty when
    it is not; an unreadable warehouse without a full refresh is an error, not a silent reset.
    """
    for stale in path.parent.glob(f".{path.name}.build-*"):
        # Left by a run that crashed; we hold the lock, so nobody else is using it.
        stale.unlink(missing_ok=True)
    work = build_path(path, run_id)
    if path.exists():
        try:
            _check_readable(path)
            shutil.copyfile(path, work)
        except WarehouseError:
            if not full_refresh:
                raise
        except OSError as exc:
            work.unlink(missing_ok=True)
            raise WarehouseError(
                f"cannot copy the warehouse to start a run ({exc.strerror or exc}); free disk space beside {path}"
            ) from exc
    con = connect(work)
    try:
        create_schemas(con)
    finally:
        con.close()
    return work


def commit_build(work: Path, path: Path) -> None:
    """Make a finished build the warehouse, atomically."""
    con = connect(work)
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    with open(work, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(work, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime, summary: dict, version: str) -> None:
    """The run's row of `raw.runs`: when, its status, the extractor version and its whole summary."""
    con.execute(
        "insert or replace into raw.runs values (?, ?, ?, ?, ?, ?)",
        [run_id, started_at, datetime.now(), summary["status"], version, json.dumps(summary, default=str)],
    )


def abort_build(work: Path) -> None:
    """Throw away a failed build; the warehouse stays as it was."""
    work.unlink(missing_ok=True)
    Path(str(work) + ".wal").unlink(missing_ok=True)


def _check_readable(path: Path) -> None:
    try:
        con = duckdb.connect(str(path), read_only=True)
        con.close()
    except duckdb.Error as exc:
        raise WarehouseError(
            f"warehouse {path} is corrupt or unreadable ({exc}); "
            "rebuild it from the landing folder with `newsfacts run --full-refresh`"
        ) from exc


def create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Schemas and the raw, staging and quality tables, from their `.sql` files."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    for folder in ("raw", "staging", "quality"):
        for sql_file in sorted((SQL_DIR / folder).glob("*.sql")):
            con.execute(sql_file.read_text(encoding="utf-8"))
