"""Read-only queries for analysts: one statement, no writes, no files outside the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import connect_read_only

# Statement types an analyst may run; everything else (insert, copy, attach, load, set...) is refused.
ALLOWED = {"SELECT", "EXPLAIN"}


class QueryRefused(ValueError):
    """A statement that would write, load code or read files."""


def run_query(path: Path, sql: str) -> pl.DataFrame:
    """The answer to one read-only query against the warehouse at `path`."""
    con = connect_read_only(path)
    try:
        # Nothing outside the warehouse: no read_text('/etc/passwd'), no ATTACH, no INSTALL/LOAD,
        # and the setting cannot be switched back by the query itself.
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        statements = _statements(con, sql)
        if len(statements) != 1:
            raise QueryRefused(f"give exactly one statement, got {len(statements)}")
        kind = _kind(statements[0])
        if kind not in ALLOWED:
            raise QueryRefused(f"refused: {kind} statements are not allowed; newsfacts query is read-only")
        try:
            return con.sql(sql).pl()
        except duckdb.PermissionException as exc:
            raise QueryRefused(
                f"refused: newsfacts query reads only the warehouse, not files or the network ({exc})"
            ) from exc
        except duckdb.Error as exc:
            raise QueryRefused(f"query failed: {exc}") from exc
    finally:
        con.close()


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
