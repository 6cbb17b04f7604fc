"""The quality schema: check tables for the suites, their results, and flags written back to the marts."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import polars as pl

from expectations.suites import Check
from warehouse.db import SQL_DIR

CHECK_TABLES = ("chk_quantities", "chk_articles", "chk_dated_mentions")
# Marts that carry quality_status / quality_note columns, and their key.
FLAGGED_MARTS = {"fct_quantities": "fact_id"}


def build_check_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Rebuild `quality.chk_*` from the marts and return them as pandas batches for GX."""
    frames = {}
    for name in CHECK_TABLES:
        sql = (SQL_DIR / "checks" / f"{name}.sql").read_text(encoding="utf-8")
        con.execute(f"create or replace table quality.{name} as\n{sql}")
        # GX needs the tested columns, not the explanations: those are read back for failing rows only.
        frames[name] = (
            con.sql(f"select columns(lambda c: c not like 'msg_%') from quality.{name}").to_arrow_table().to_pandas()
        )
    return frames


def record_results(
    con: duckdb.DuckDBPyConnection,
    results: pl.DataFrame,
    flags: pl.DataFrame,
    checks: list[Check],
    *,
    run_id: str,
    checked_at: datetime,
) -> pl.DataFrame:
    """Store one run's outcomes and row flags (with their explanations); returns the flags stored."""
    messages = _messages(con, checks)
    explained = (
        flags.join(
            pl.DataFrame(
                {
                    "expectation": [c.name for c in checks],
                    "_table": [c.table for c in checks],
                    "_message_column": [c.message_column for c in checks],
                    "_note": [c.note for c in checks],
                },
                schema={
                    "expectation": pl.String,
                    "_table": pl.String,
                    "_message_column": pl.String,
                    "_note": pl.String,
                },
            ),
            on="expectation",
            how="left",
        )
        .join(messages, on=["_table", "_message_column", "row_key"], how="left")
        .with_columns(
            message=pl.coalesce("message", pl.concat_str(pl.col("expectation"), pl.lit(" failed: "), pl.col("_note")))
        )
        .join(_suggestions(con), on="row_key", how="left")
        .with_columns(
            suggested_value=pl.when(pl.col("rule") == "magnitude").then(pl.col("suggested_value")),
            suggested_unit=pl.when(pl.col("rule") == "magnitude").then(pl.col("suggested_unit")),
            run_id=pl.lit(run_id),
        )
        .select(
            "run_id",
            "table_name",
            "row_key",
            "expectation",
            "rule",
            "severity",
            "quality_status",
            "message",
            "suggested_value",
            "suggested_unit",
        )
    )
    stamped = results.with_columns(run_id=pl.lit(run_id), checked_at=pl.lit(checked_at))
    con.register("_results", stamped.to_arrow())
    con.execute("insert into quality.dq_results by name select * from _results")
    con.register("_flags", explained.to_arrow())
    con.execute("insert into quality.dq_row_flags by name select * from _flags")
    con.unregister("_results")
    con.unregister("_flags")
    return explained


def apply_flags(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Write this run's row flags into the marts' quality columns; returns the rows flagged."""
    flagged = 0
    for mart, key in FLAGGED_MARTS.items():
        con.execute(
            f"update marts.{mart} set quality_status = 'ok', quality_note = null, "
            "suggested_value = null, suggested_unit = null"
        )
        con.execute(
            f"""
            update marts.{mart} as target set
                quality_status = flags.status,
                quality_note = flags.note,
                suggested_value = flags.suggested_value,
                suggested_unit = flags.suggested_unit
            from (
                select
                    row_key,
                    case when bool_or(quality_status = 'implausible') then 'implausible' else 'warning' end as status,
                    string_agg(message, '; ' order by rule, expectation) as note,
                    max(suggested_value) as suggested_value,
                    max(suggested_unit) as suggested_unit
                from quality.dq_row_flags
                where run_id = ? and table_name = ?
                group by row_key
            ) as flags
            where target.{key} = flags.row_key
            """,
            [run_id, mart],
        )
        flagged += con.execute(f"select count(*) from marts.{mart} where quality_status != 'ok'").fetchall()[0][0]
    return flagged


def _messages(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> pl.DataFrame:
    """One row per (check table, message column, row key) with the message text."""
    parts = []
    wanted: dict[str, set[str]] = {}
    keys: dict[str, str] = {}
    for check in checks:
        if check.message_column:
            wanted.setdefault(check.table, set()).add(check.message_column)
            keys[check.table] = check.key
    for table, columns in wanted.items():
        for column in sorted(columns):
            frame = con.sql(
                f'select cast("{keys[table]}" as varchar) as row_key, "{column}" as message from quality.{table}'
            ).pl()
            parts.append(frame.with_columns(_table=pl.lit(table), _message_column=pl.lit(column)))
    schema = {"row_key": pl.String, "message": pl.String, "_table": pl.String, "_message_column": pl.String}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).select(list(schema)).cast(schema).unique(["_table", "_message_column", "row_key"])


def _suggestions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "select fact_id as row_key, suggested_value, suggested_unit from quality.chk_quantities "
        "where suggested_value is not null"
    ).pl()
