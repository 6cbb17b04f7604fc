"""Transform stage: documents without current staging rows are extracted in batches."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.progress import report
from transforms.extract import EXTRACTOR_VERSION, collect_all, extract_documents
from transforms.vocabulary import Vocabulary
from warehouse import db, staging_io


@dataclass
class TransformResult:
    """What the transform stage extracted: documents, and rows loaded per staging table."""

    documents: int
    rows: dict[str, int] = field(default_factory=dict)


@task(name="list-documents-to-extract", cache_policy=NO_CACHE)
def list_documents_to_extract(work: Path, full_refresh: bool) -> list[str]:
    """Current documents whose staging rows are missing or from an older extractor version."""
    with db.session(work) as con:
        pruned = staging_io.prune_staging(con)
        doc_ids = staging_io.documents_to_extract(con, EXTRACTOR_VERSION, full_refresh=full_refresh)
    logger = get_run_logger()
    if pruned:
        logger.info("dropped staging rows of %s documents no longer in the landing folder", f"{pruned:,}")
    return doc_ids


@task(name="fetch-documents", cache_policy=NO_CACHE)
def fetch_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> pa.Table:
    """The text of a batch of documents."""
    return staging_io.fetch_documents(con, doc_ids)


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(docs: pa.Table, vocab: Vocabulary) -> dict[str, pa.Table]:
    """Staging rows of a batch of documents (pure: runs on any worker)."""
    frames = collect_all(extract_documents(pl.from_arrow(docs).lazy(), vocab))
    return {name: frame.to_arrow() for name, frame in frames.items()}


@task(name="load-staging", cache_policy=NO_CACHE)
def load_staging(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], doc_ids: list[str], now: datetime
) -> dict[str, int]:
    """Replace the staging rows of a batch, in one transaction."""
    with db.transaction(con):
        return staging_io.load_staging(
            con, {n: pl.from_arrow(t) for n, t in tables.items()}, doc_ids, version=EXTRACTOR_VERSION, now=now
        )


@flow(name="transform-documents", log_prints=False)
def transform_documents(
    work: Path, vocab: Vocabulary, now: datetime, batch_docs: int, full_refresh: bool = False, in_flight: int = 2
) -> TransformResult:
    """Extract facts from every document that needs it; one writer loads the batches in order."""
    logger = get_run_logger()
    doc_ids = list_documents_to_extract(work, full_refresh)
    batches = [doc_ids[i : i + batch_docs] for i in range(0, len(doc_ids), batch_docs)]
    logger.info(
        "%s documents to extract in %s batches (extractor %s)", f"{len(doc_ids):,}", len(batches), EXTRACTOR_VERSION
    )
    totals = TransformResult(len(doc_ids))
    done = {"documents": 0, "bytes": 0}
    report("extract", 0, len(doc_ids))
    # One connection reads and writes for the whole stage (opening and closing one per batch made
    # DuckDB checkpoint each time). `in_flight` batches are extracted on the task runner's workers
    # while this one loads the oldest, so memory stays bounded whatever the backlog (one batch at a
    # time left a core idle: polars keeps about 1.5 of the 2 busy on one batch).
    with db.session(work) as con:
        pending: deque[tuple] = deque()
        for number, batch in enumerate(batches, start=1):
            docs = fetch_documents(con, batch)
            size = pc.sum(pc.binary_length(docs.column("text"))).as_py() or 0
            pending.append((extract_batch.submit(docs, vocab), batch, number, len(batches), size))
            if len(pending) > in_flight:
                _load(con, pending.popleft(), now, totals, done)
        while pending:
            _load(con, pending.popleft(), now, totals, done)
    return totals


def _load(
    con: duckdb.DuckDBPyConnection, pending: tuple, now: datetime, totals: TransformResult, done: dict[str, int]
) -> None:
    future, batch, number, count, size = pending
    counts = load_staging(con, future.result(), batch, now)
    for name, rows in counts.items():
        totals.rows[name] = totals.rows.get(name, 0) + rows
    done["documents"] += len(batch)
    done["bytes"] += size
    report("extract", done["documents"], totals.documents, done["bytes"])
    get_run_logger().info(
        "batch %s of %s: %s documents, %s facts",
        number,
        count,
        f"{len(batch):,}",
        f"{counts.get('stg_quantities', 0):,}",
    )
