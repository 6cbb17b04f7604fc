"""Read-only queries for analysts: one statement, no writes, no files outside the warehouse."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from warehouse.db import connect_read_only

# Statement types an analyst may run; everything else (insert, copy, attach, load, set...) is refused.
ALLOWED = {"SELECT", "EXPLAIN"}


class QueryRefused(ValueError):
    """A statement that would write, load code or read files, or one that cannot be answered."""


class QueryTimeout(RuntimeError):
    """A query interrupted because it ran longer than it was allowed to."""


def run_query(path: Path, sql: str, timeout_s: float | None = None) -> pl.DataFrame:
    """The answer to one read-only query against the warehouse at `path`."""
    with _guarded(path) as con:
        return _answer(con, sql, timeout_s, lambda relation: relation.pl())


def fetch_answer(path: Path, sql: str, timeout_s: float | None = None) -> pa.Table:
    """The answer to one read-only query as an Arrow table, every DuckDB type kept (intervals, lists, maps)."""
    with _guarded(path) as con:
        return _answer(con, sql, timeout_s, lambda relation: relation.to_arrow_table())


@contextmanager
def _guarded(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_read_only(path)
    try:
        # Nothing outside the warehouse: no read_text('/etc/passwd'), no ATTACH, no INSTALL/LOAD,
        # and the setting cannot be switched back by the query itself.
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        yield con
    finally:
        con.close()


def _answer(con: duckdb.DuckDBPyConnection, sql: str, timeout_s: float | None, fetch):
    statements = _statements(con, sql)
    if len(statements) != 1:
        raise QueryRefused(f"give exactly one statement, got {len(statements)}")
    kind = _kind(statements[0])
    if kind not in ALLOWED:
        raise QueryRefused(f"refused: {kind} statements are not allowed; newsfacts query is read-only")
    # DuckDB stops a running query when another thread calls interrupt() on its connection.
    timer = threading.Timer(timeout_s, con.interrupt) if timeout_s else None
    try:
        if timer:
            timer.start()
        return fetch(con.sql(sql))
    except duckdb.InterruptException as exc:
        raise QueryTimeout(f"query interrupted after {timeout_s:g} s (--timeout)") from exc
    except duckdb.PermissionException as exc:
        raise QueryRefused(
            f"refused: newsfacts query reads only the warehouse, not files or the network ({exc})"
        ) from exc
    except duckdb.Error as exc:
        raise QueryRefused(f"query failed: {exc}") from exc
    finally:
        if timer:
            timer.cancel()


def _statements(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    try:
        return con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"cannot parse the query: {exc}") from exc


def _kind(statement: duckdb.Statement) -> str:
    try:
        return statement.type.name
    except ValueError:
        # A statement type the Python client cannot name ("update extensions" in duckdb 2.0).
        return "UNKNOWN"
