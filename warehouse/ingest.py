"""Loading the landing folder into `raw`: new and changed files only, every file accounted for."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from warehouse.landing import Decoded, read_document, scan_landing, unlistable_folders

# Files are read and written to DuckDB at most this many and this many bytes at a time, so memory
# stays bounded whatever the size limit (a batch of 256 files at the limit would not be).
READ_BATCH_FILES = 256
READ_BATCH_BYTES = 64_000_000
READ_THREADS = 4

LOG_SCHEMA = {
    "source_path": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "doc_id": pl.String,
    "size_bytes": pl.Int64,
}


def doc_id_of(sha256: str) -> str:
    """The stable document id of a content hash."""
    return sha256[:16]


def ingest_landing(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    *,
    run_id: str,
    now: datetime,
    max_bytes: int,
    progress: Callable[[int, int, int], None] | None = None,
) -> pl.DataFrame:
    """Ingest the landing folder in one transaction; returns the run's ingest log (one row per file)."""
    con.execute("begin transaction")
    try:
        log = _ingest(con, root, run_id=run_id, now=now, max_bytes=max_bytes, progress=progress)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return log


def _ingest(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    *,
    run_id: str,
    now: datetime,
    max_bytes: int,
    progress: Callable[[int, int, int], None] | None,
) -> pl.DataFrame:
    scan = scan_landing(root)
    current = con.sql(
        "select source_path, doc_id as current_doc_id, size_bytes as cur_size, mtime_ns as cur_mtime "
        "from raw.sources where superseded_at is null and deleted_at is null"
    ).pl()
    joined = scan.join(current, on="source_path", how="full", coalesce=True)
    present = joined.filter(pl.col("size_bytes").is_not_null() | pl.col("problem").is_not_null())
    unchanged = present.filter(
        (pl.col("size_bytes") == pl.col("cur_size")) & (pl.col("mtime_ns") == pl.col("cur_mtime"))
    )
    problems = present.filter(pl.col("problem").is_not_null())
    candidates = present.filter(pl.col("problem").is_null()).join(
        unchanged.select("source_path"), on="source_path", how="anti"
    )
    gone = joined.filter(
        pl.col("size_bytes").is_null() & pl.col("problem").is_null() & pl.col("current_doc_id").is_not_null()
    )
    # Files of a folder that could not be listed may still be there: not taken for deleted.
    for folder in unlistable_folders(scan):
        gone = gone.filter(~pl.col("source_path").str.starts_with(folder))

    logs = [
        unchanged.select(
            "source_path",
            pl.lit("unchanged").alias("status"),
            pl.lit(None, pl.String).alias("reason"),
            pl.col("current_doc_id").alias("doc_id"),
            "size_bytes",
        ),
        problems.select(
            "source_path",
            pl.lit("rejected").alias("status"),
            pl.col("problem").alias("reason"),
            pl.lit(None, pl.String).alias("doc_id"),
            "size_bytes",
        ),
        gone.select(
            "source_path",
            pl.lit("deleted").alias("status"),
            pl.lit("file no longer in the landing folder").alias("reason"),
            pl.col("current_doc_id").alias("doc_id"),
            pl.col("cur_size").alias("size_bytes"),
        ),
    ]
    con.register("_unchanged", unchanged.select("source_path").to_arrow())
    con.execute(
        "update raw.sources set last_seen_at = ? where source_path in (select source_path from _unchanged) "
        "and superseded_at is null and deleted_at is null",
        [now],
    )
    con.register("_gone", gone.select("source_path").to_arrow())
    con.execute(
        "update raw.sources set deleted_at = ? where source_path in (select source_path from _gone) "
        "and superseded_at is null and deleted_at is null",
        [now],
    )

    previous = dict(zip(candidates["source_path"], candidates["current_doc_id"], strict=True))
    batches = _batches(candidates, max_bytes)
    done = done_bytes = 0
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:

        def read(batch: list[str]) -> list[Future[Decoded]]:
            return [pool.submit(read_document, root, path, max_bytes) for path in batch]

        # The next batch is read while DuckDB stores this one (it releases the GIL): at most two
        # batches are in memory.
        pending = read(batches[0]) if batches else []
        for number, batch in enumerate(batches, start=1):
            decoded = [future.result() for future in pending]
            pending = read(batches[number]) if number < len(batches) else []
            logs.append(_store_batch(con, decoded, previous, run_id=run_id, now=now))
            done += len(batch)
            done_bytes += sum(d.size_bytes or 0 for d in decoded)
            if progress:
                progress(done, len(candidates), done_bytes)

    log = pl.concat([frame.cast(LOG_SCHEMA) for frame in logs]).sort("source_path")
    con.register("_log", log.with_columns(run_id=pl.lit(run_id), logged_at=pl.lit(now)).to_arrow())
    con.execute("insert into raw.ingest_log by name select * from _log")
    for name in ("_unchanged", "_gone", "_log"):
        con.unregister(name)
    return log


def _batches(candidates: pl.DataFrame, max_bytes: int) -> list[list[str]]:
    """Paths to read, in batches bounded by file count and by bytes read."""
    batches: list[list[str]] = [[]]
    size = 0
    for path, size_bytes in candidates.select("source_path", "size_bytes").iter_rows():
        # A file over the limit is rejected unread; one that grew since the scan is read up to it.
        cost = min(size_bytes or 0, max_bytes) + 1
        if batches[-1] and (len(batches[-1]) >= READ_BATCH_FILES or size + cost > READ_BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += cost
    return [batch for batch in batches if batch]


def _store_batch(
    con: duckdb.DuckDBPyConnection,
    decoded: list[Decoded],
    previous: dict[str, str | None],
    *,
    run_id: str,
    now: datetime,
) -> pl.DataFrame:
    """Write one batch of read files; returns their log rows."""
    good = [d for d in decoded if d.rejection is None]
    rejected = pl.DataFrame(
        [
            {
                "source_path": d.source_path,
                "status": "rejected",
                "reason": d.rejection,
                "doc_id": None,
                "size_bytes": d.size_bytes,
            }
            for d in decoded
            if d.rejection is not None
        ],
        schema=LOG_SCHEMA,
    )
    if not good:
        return rejected
    files = pl.DataFrame(
        {
            "source_path": [d.source_path for d in good],
            "doc_id": [doc_id_of(d.sha256 or "") for d in good],
            "sha256": [d.sha256 for d in good],
            "size_bytes": [d.size_bytes for d in good],
            "mtime_ns": [d.mtime_ns for d in good],
            "encoding": [d.encoding for d in good],
            "text": [d.text for d in good],
            "previous_doc_id": [previous.get(d.source_path) for d in good],
        }
    )
    known = con.sql(
        "select doc_id from raw.documents where doc_id in (select unnest(?))",
        params=[files["doc_id"].unique().to_list()],
    ).pl()["doc_id"]
    files = files.with_columns(
        # The first of several new files with one content is the document; the rest are duplicates.
        _first=pl.col("source_path") == pl.col("source_path").min().over("doc_id"),
        _known=pl.col("doc_id").is_in(known.implode()),
    ).with_columns(
        status=pl.when(pl.col("doc_id") == pl.col("previous_doc_id"))
        .then(pl.lit("unchanged"))
        .when(pl.col("_known") | ~pl.col("_first"))
        .then(pl.lit("duplicate"))
        .when(pl.col("previous_doc_id").is_not_null())
        .then(pl.lit("changed"))
        .otherwise(pl.lit("new")),
    )
    new_docs = files.filter(pl.col("status").is_in(["new", "changed"]))
    con.register(
        "_docs",
        new_docs.select(
            "doc_id",
            "sha256",
            "source_path",
            "size_bytes",
            "encoding",
            "text",
            pl.lit(now).alias("ingested_at"),
            pl.lit(run_id).alias("run_id"),
        ).to_arrow(),
    )
    con.execute("insert into raw.documents by name select * from _docs")
    moved = files.filter(pl.col("status") != "unchanged")
    con.register("_files", files.select("source_path", "doc_id", "size_bytes", "mtime_ns", "status").to_arrow())
    con.register("_moved", moved.select("source_path").to_arrow())
    con.execute(
        "update raw.sources set superseded_at = ? where source_path in (select source_path from _moved) "
        "and superseded_at is null and deleted_at is null",
        [now],
    )
    # A file whose content did not change (only touched) keeps its row with the new stat.
    con.execute(
        """
        update raw.sources s set size_bytes = f.size_bytes, mtime_ns = f.mtime_ns, last_seen_at = ?
        from _files f
        where s.source_path = f.source_path and s.doc_id = f.doc_id and f.status = 'unchanged'
          and s.superseded_at is null and s.deleted_at is null
    """,
        [now],
    )
    con.execute(
        """
        insert into raw.sources (source_path, doc_id, size_bytes, mtime_ns, first_seen_at, last_seen_at)
        select f.source_path, f.doc_id, f.size_bytes, f.mtime_ns, ?, ? from _files f
        where f.status != 'unchanged'
        on conflict (source_path, doc_id) do update set
            size_bytes = excluded.size_bytes, mtime_ns = excluded.mtime_ns,
            last_seen_at = excluded.last_seen_at, superseded_at = null, deleted_at = null
    """,
        [now, now],
    )
    for name in ("_docs", "_files", "_moved"):
        con.unregister(name)
    logged = files.select(
        "source_path",
        "status",
        pl.when(pl.col("status") == "duplicate")
        .then(pl.lit("same content as an ingested document"))
        .otherwise(None)
        .alias("reason"),
        "doc_id",
        "size_bytes",
    )
    return pl.concat([rejected, logged.cast(LOG_SCHEMA)])
