"""The data dictionary: `warehouse/dictionary.csv` applied as comments, resolved per column, rendered as a page.

A row names a schema, a table and a column (empty: the table itself, its grain). `*` in the schema or
table, and a trailing `*` in the column (`msg_*`), let one description serve every table that shares a
column; the most specific row wins: exact table before a pattern, exact column before a pattern.
"""

from __future__ import annotations

import tempfile
from fnmatch import fnmatchcase
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from warehouse import db, models

DICTIONARY = Path(__file__).with_name("dictionary.csv")
PAGE = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"
# The curated reference tables the page is generated with (the mart models join them).
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "seeds" / "reference"
# Schemas whose every table and column must be described.
DESCRIBED_SCHEMAS = ("raw", "staging", "intermediate", "marts", "quality")
# Also commented where the dictionary has a row: the reference tables, one row for all (seeds/README.md has the rest).
COMMENTED_SCHEMAS = (*DESCRIBED_SCHEMAS, "reference")


def read_dictionary(path: Path = DICTIONARY) -> pl.DataFrame:
    """The dictionary's rows: schema, table, column ('' for the table itself), description."""
    return pl.read_csv(path, infer_schema=False, encoding="utf8").with_columns(pl.col("column").fill_null(""))


def catalog(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = DESCRIBED_SCHEMAS) -> pl.DataFrame:
    """Every table and column of `schemas` with its type and comment: one row per table (column '') then its columns."""
    tables = con.execute(
        "select schema_name, table_name, '' as column_name, '' as data_type, comment, -1 as position "
        "from duckdb_tables() where schema_name in (select unnest(?::varchar[])) and not temporary "
        "union all select schema_name, table_name, column_name, data_type, comment, column_index "
        "from duckdb_columns() "
        "where schema_name in (select unnest(?::varchar[])) and not internal "
        "and table_name in (select table_name from duckdb_tables() where not temporary) "
        "order by 1, 2, 6",
        [list(schemas), list(schemas)],
    ).fetchall()
    columns = ("schema", "table", "column", "type", "comment")
    return pl.DataFrame([row[:5] for row in tables], schema=dict.fromkeys(columns, pl.String), orient="row")


def described(
    con: duckdb.DuckDBPyConnection,
    dictionary: pl.DataFrame | None = None,
    schemas: tuple[str, ...] = DESCRIBED_SCHEMAS,
) -> pl.DataFrame:
    """The catalog with each table's and column's description from the dictionary (null when it has none)."""
    rows = (read_dictionary() if dictionary is None else dictionary).rows(named=True)
    found = catalog(con, schemas)
    descriptions = [_describe(rows, *key) for key in found.select("schema", "table", "column").iter_rows()]
    return found.with_columns(description=pl.Series(descriptions, dtype=pl.String))


def _describe(rows: list[dict], schema: str, table: str, column: str) -> str | None:
    best, best_score = None, -1
    for row in rows:
        if not (fnmatchcase(schema, row["schema"]) and fnmatchcase(table, row["table"])):
            continue
        if (column == "") != (row["column"] == "") or not fnmatchcase(column, row["column"]):
            continue
        # Exact table beats a pattern, then exact column beats a pattern, then exact schema.
        score = 4 * (row["table"] == table) + 2 * (row["column"] == column) + (row["schema"] == schema)
        if score > best_score:
            best, best_score = row["description"], score
    return best


def missing(con: duckdb.DuckDBPyConnection, dictionary: pl.DataFrame | None = None) -> list[str]:
    """Tables and columns of the described schemas that the dictionary does not describe (`schema.table.column`)."""
    table = described(con, dictionary).filter(pl.col("description").is_null())
    return [".".join(part for part in row if part) for row in table.select("schema", "table", "column").iter_rows()]


def stale(con: duckdb.DuckDBPyConnection, dictionary: pl.DataFrame | None = None) -> list[str]:
    """Dictionary rows naming one table or column exactly that the warehouse does not have."""
    dictionary = read_dictionary() if dictionary is None else dictionary
    found = {tuple(row) for row in catalog(con).select("schema", "table", "column").iter_rows()}
    exact = dictionary.filter(~pl.col("schema").str.contains(r"\*") & ~pl.col("table").str.contains(r"\*"))
    return [
        ".".join(part for part in key if part)
        for key in exact.select("schema", "table", "column").iter_rows()
        if key not in found and not key[2].endswith("*")
    ]


def apply_dictionary(con: duckdb.DuckDBPyConnection) -> int:
    """`COMMENT ON` every described table and column whose comment differs; returns how many were set."""
    entries = described(con, schemas=COMMENTED_SCHEMAS).filter(
        pl.col("description").is_not_null() & pl.col("description").ne_missing(pl.col("comment"))
    )
    for schema, table, column, description in entries.select("schema", "table", "column", "description").iter_rows():
        target = f'table {schema}."{table}"' if column == "" else f'column {schema}."{table}"."{column}"'
        con.execute(f"comment on {target} is {_quote(description)}")
    return entries.height


class UnknownTable(LookupError):
    """A table name the warehouse does not have, or has in several schemas."""


def table_overview(path: Path) -> pa.Table:
    """Every table of the warehouse: schema, table, grain (its comment) and rows."""
    con = db.connect_read_only(path)
    try:
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "where not temporary and database_name = current_database() order by schema_name, table_name"
        ).fetchall()
        counts = [
            con.execute(f'select count(*) from {schema}."{table}"').fetchall()[0][0] for schema, table, _ in tables
        ]
    finally:
        con.close()
    return pa.table(
        {
            "schema": [row[0] for row in tables],
            "table": [row[1] for row in tables],
            "grain": [row[2] for row in tables],
            "rows": pa.array(counts, pa.int64()),
        }
    )


def table_columns(path: Path, name: str) -> tuple[str | None, pa.Table]:
    """A table's grain and its columns (column, type, description), `name` as `schema.table` or `table`."""
    schema, _, table = name.rpartition(".")
    con = db.connect_read_only(path)
    try:
        found = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() where table_name = ? "
            "and (schema_name = ? or ? = '') and not temporary and database_name = current_database()",
            [table, schema, schema],
        ).fetchall()
        if len(found) != 1:
            where = f"in {', '.join(f'{row[0]}.{row[1]}' for row in found)}" if found else "nowhere"
            raise UnknownTable(f"table {name!r} found {where}: `newsfacts tables` lists them")
        schema, table, grain = found[0]
        columns = con.sql(
            "select column_name as column, data_type as type, comment as description from duckdb_columns() "
            "where schema_name = ? and table_name = ? and database_name = current_database() order by column_index",
            params=[schema, table],
        ).to_arrow_table()
    finally:
        con.close()
    return grain, columns


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scratch_warehouse(folder: Path, reference_dir: Path) -> Path:
    """A warehouse with every table of the described schemas built from empty inputs, and its comments."""
    from warehouse import quality_io

    path = folder / "dictionary.duckdb"
    with db.session(path) as con:
        db.create_schemas(con)
        models.load_reference(con, reference_dir)
        models.build_marts(con)
        quality_io.build_check_tables(con, [])
        apply_dictionary(con)
    return path


def render_page(con: duckdb.DuckDBPyConnection) -> str:
    """The data dictionary as a Markdown page: one section per table, its grain, its columns and types."""
    found = described(con)
    lines = [
        "# Data dictionary",
        "",
        "Generated from `warehouse/dictionary.csv` by `python -m warehouse.dictionary`; do not edit by hand.",
        "`newsfacts describe TABLE` shows the same from the warehouse, where every description is a `COMMENT ON`.",
        "",
    ]
    for (schema, table), rows in found.group_by("schema", "table", maintain_order=True):
        head = rows.filter(pl.col("column") == "")
        lines += [f"## {schema}.{table}", "", f"{head['description'].item() or ''}", ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for column, kind, description in (
            rows.filter(pl.col("column") != "").select("column", "type", "description").iter_rows()
        ):
            lines.append(f"| `{column}` | {kind} | {(description or '').replace('|', chr(92) + '|')} |")
        lines.append("")
    return "\n".join(lines)


def current_page(reference_dir: Path) -> str:
    """The page as the dictionary and the models make it now."""
    with tempfile.TemporaryDirectory(prefix="newsfacts-dictionary-") as folder:
        path = scratch_warehouse(Path(folder), reference_dir)
        with db.session(path) as con:
            return render_page(con)


if __name__ == "__main__":
    PAGE.write_text(current_page(REFERENCE_DIR), encoding="utf-8")
    print(f"wrote {PAGE}")
