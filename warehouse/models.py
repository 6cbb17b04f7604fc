"""Running the SQL models: reference seeds in, marts out."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import SQL_DIR

# Marts in dependency order: facts join dim_articles.
MART_ORDER = (
    "dim_places",
    "dim_articles",
    "fct_quantities",
    "dim_people",
    "fct_person_roles",
    "fct_document_refs",
    "fct_events",
)


def load_reference(con: duckdb.DuckDBPyConnection, directory: Path) -> list[str]:
    """Every `seeds/reference/*.csv` as table `reference.<file stem>`, replaced each run."""
    names = []
    for path in sorted(directory.glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        con.register("_ref", frame.to_arrow())
        con.execute(f'create or replace table reference."{path.stem}" as select * from _ref')
        con.unregister("_ref")
        names.append(path.stem)
    return names


def model_sql(name: str) -> str:
    """The select statement of one mart model."""
    return (SQL_DIR / "marts" / f"{name}.sql").read_text(encoding="utf-8")


def build_marts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild every mart in one transaction; returns row counts."""
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for name in MART_ORDER:
            con.execute(f"create or replace table marts.{name} as\n{model_sql(name)}")
            counts[name] = con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def inputs_fingerprint(reference_dir: Path, *extra: str) -> str:
    """A hash of everything besides the documents that shapes the marts and their checks.

    Reference tables, SQL models and the expectation suites: when none of them and no document
    changed, a run has nothing to rebuild, validate or publish.
    """
    expectations_dir = SQL_DIR.parent / "expectations"
    files = sorted(reference_dir.glob("*.csv")) + sorted(SQL_DIR.rglob("*.sql")) + sorted(expectations_dir.glob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for value in extra:
        digest.update(value.encode())
    return digest.hexdigest()


def last_completed_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The summary of the last run that completed and published, if any."""
    rows = con.execute(
        "select run_id, summary from raw.runs where status = 'completed' order by finished_at desc limit 1"
    ).fetchall()
    if not rows:
        return None
    return {"run_id": rows[0][0], **json.loads(rows[0][1])}
