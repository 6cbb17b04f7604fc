"""Staging tables: which documents need extraction, and loading what the transforms return."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl
import pyarrow as pa

STAGING_TABLES = (
    "stg_articles",
    "stg_sentences",
    "stg_quantities",
    "stg_person_mentions",
    "stg_document_refs",
    "stg_events",
)

# What is inserted from a batch's frame: columns DuckDB derives as it loads (macros of the staging DDL).
LOADED = {"stg_articles": "* exclude (content_text), staging.content_key_of(content_text) as content_key"}


def documents_to_extract(con: duckdb.DuckDBPyConnection, version: str, *, full_refresh: bool) -> list[str]:
    """Current documents without staging rows from this extractor version (all of them on a full refresh)."""
    # In the order of raw.documents, so that a batch of them is a narrow range of its row ids.
    rows = con.execute(
        """
        select s.doc_id
        from raw.sources s
        inner join raw.documents d on d.doc_id = s.doc_id
        left join staging.stg_extractions e on e.doc_id = s.doc_id and e.extractor_version = ? and not ?
        where s.superseded_at is null and s.deleted_at is null and e.doc_id is null
        group by s.doc_id
        order by min(d.rowid)
        """,
        [version, full_refresh],
    ).fetchall()
    return [r[0] for r in rows]


def prune_staging(con: duckdb.DuckDBPyConnection) -> int:
    """Drop staging rows of documents no longer in the landing folder; returns how many documents."""
    stale = con.execute(
        """
        select doc_id from staging.stg_extractions
        except
        select doc_id from raw.sources where superseded_at is null and deleted_at is null
        """
    ).fetchall()
    _delete_docs(con, [r[0] for r in stale])
    return len(stale)


def fetch_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> pa.Table:
    """`doc_id`, `text` of some documents, as Arrow."""
    # Filtered on doc_id alone, DuckDB reads the text of every row for each batch (3.4 s for the 32
    # batches of 200 MB); bounded by the batch's row ids too, only the stretch that holds it (0.7 s).
    [(low, high)] = con.execute(
        "select min(rowid), max(rowid) from raw.documents where doc_id in (select unnest(?))", [doc_ids]
    ).fetchall()
    return con.sql(
        "select doc_id, text from raw.documents where rowid between ? and ? and doc_id in (select unnest(?)) "
        "order by doc_id",
        params=[low, high, doc_ids],
    ).to_arrow_table()


def load_staging(
    con: duckdb.DuckDBPyConnection,
    frames: dict[str, pl.DataFrame],
    doc_ids: list[str],
    *,
    version: str,
    now: datetime,
) -> dict[str, int]:
    """Replace the staging rows of `doc_ids` with `frames`; returns rows loaded per table."""
    _delete_docs(con, doc_ids)
    counts: dict[str, int] = {}
    for table in STAGING_TABLES:
        frame = frames[table]
        con.register("_frame", frame.to_arrow())
        con.execute(f"insert into staging.{table} by name select {LOADED.get(table, '*')} from _frame")
        con.unregister("_frame")
        counts[table] = frame.height
    done = pl.DataFrame({"doc_id": doc_ids, "extractor_version": version, "extracted_at": now})
    con.register("_done", done.to_arrow())
    con.execute("insert into staging.stg_extractions by name select * from _done")
    con.unregister("_done")
    return counts


def _delete_docs(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> None:
    # Every delete scans its whole table, and a batch of new documents (every batch of a first run,
    # and a changed file is a new document) has no rows to delete: only documents with rows are.
    doc_ids = [
        r[0]
        for r in con.execute(
            "select doc_id from staging.stg_extractions where doc_id in (select unnest(?))", [doc_ids]
        ).fetchall()
    ]
    if not doc_ids:
        return
    for table in (*STAGING_TABLES, "stg_extractions"):
        con.execute(f"delete from staging.{table} where doc_id in (select unnest(?))", [doc_ids])
