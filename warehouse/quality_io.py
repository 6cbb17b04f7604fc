"""The quality schema: check tables for the suites, their results, and flags written back to the marts.

This module is the SQL side of validation and knows nothing of Great Expectations: `expectations.validation`
drives it, and describes its suites with a catalog, a frame of one row per expectation
(`expectations.suites.catalog`: expectation, suite, check_table, message_column, note, columns).
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import pyarrow as pa

from warehouse.db import SQL_DIR
from warehouse.models import all_exist

# The check tables: the models of warehouse/checks/. Each names its rows by this column, declared in its SQL.
CHECK_TABLES = tuple(sorted(path.stem for path in (SQL_DIR / "checks").glob("chk_*.sql")))
CHECK_KEY = "check_key"
# Check tables built whole at every check build: their rows belong to no one article (people, places).
WHOLE_REBUILD = ("chk_keys",)
# The intermediate models of a check table (warehouse/checks/intermediate/), each built from those before it.
INTERMEDIATES = {
    "chk_quantities": (
        "int_fact_comparable",
        "int_fact_based",
        "int_fact_conflicts",
        "int_fact_totals",
        "int_fact_checked",
        "int_fact_derived",
        "int_fact_suggestions",
    )
}


def build_check_tables(
    con: duckdb.DuckDBPyConnection, debris_patterns: list[str], changed_articles: list[str] | None = None
) -> dict[str, int]:
    """Build `quality.chk_*` from the marts: all rows, or those of `changed_articles`; returns row counts.

    Each row gets `key_rows` (how many rows share its key, so that a new duplicate changes both rows)
    and `row_hash`, a hash of everything the row-level expectations read: conflicts, totals and
    densities are columns of the row, so a row whose hash did not change has the same outcome.

    With `changed_articles` (the articles an incremental mart build replaced), only their rows are built
    again, with those of every article holding a fact that can conflict with one of theirs, before or
    after the change: a row depends on no other article. Rows sharing a key are always of one article.
    """
    con.execute("set variable debris_regex = ?", [debris_regex(debris_patterns)])
    con.execute(
        "set variable parts_regex = (select '(?i)' || coalesce(string_agg(pattern, '|'), '$^') "
        "from reference.parts_markers)"
    )
    counts = {}
    try:
        if changed_articles is None or not all_exist(con, "quality", CHECK_TABLES):
            _scope(con, "select article_id from marts.dim_articles")
            for name in CHECK_TABLES:
                _build_intermediates(con, name)
                con.execute(f"create or replace table quality.{name} as {_check_rows(name)}")
        else:
            _scope(con, "select unnest(?::varchar[])", [changed_articles])
            # The conflict keys of the changed articles before the change: their rows of the last build.
            con.execute(
                "create or replace temp table changed_keys as select distinct conflict_key "
                "from quality.chk_quantities where article_id in (select article_id from check_scope)"
            )
            for name in CHECK_TABLES:
                if name in WHOLE_REBUILD:
                    con.execute(f"create or replace table quality.{name} as {_check_rows(name)}")
                else:
                    _replace_rows(con, name)
            # The other articles with a fact that can conflict with a changed article's, before or after.
            _scope(
                con,
                """
                select distinct article_id from quality.chk_quantities
                where conflict_key in (
                    select conflict_key from changed_keys
                    union all
                    select conflict_key from quality.chk_quantities where article_id in (select unnest(?::varchar[]))
                )
                and article_id not in (select unnest(?::varchar[]))
                """,
                [changed_articles, changed_articles],
            )
            _replace_rows(con, "chk_quantities")
        for name in CHECK_TABLES:
            counts[name] = con.execute(f"select count(*) from quality.{name}").fetchall()[0][0]
    finally:
        con.execute("drop table if exists check_scope")
        con.execute("drop table if exists changed_keys")
        for model in (model for models in INTERMEDIATES.values() for model in models):
            con.execute(f"drop table if exists {model}")
    return counts


def _scope(con: duckdb.DuckDBPyConnection, articles: str, parameters: list | None = None) -> None:
    """`check_scope`, the articles whose rows the check models build: those query `articles` returns."""
    con.execute(
        f"create or replace temp table check_scope as select * from ({articles}) as scope(article_id)", parameters
    )


def _check_rows(name: str) -> str:
    """The check model `name`, each row with its `key_rows`, `row_hash` and `to_validate`."""
    sql = (SQL_DIR / "checks" / f"{name}.sql").read_text(encoding="utf-8")
    return f"""
        with checked as (
        {sql}
        ),
        keyed as (
            select *, count(*) over (partition by {CHECK_KEY}) as key_rows from checked
        )
        select keyed.*, hash(keyed) as row_hash, true as to_validate
        from keyed
    """


def _build_intermediates(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """The intermediate models check table `name` joins, as temporary tables for the current `check_scope`."""
    for model in INTERMEDIATES.get(name, ()):
        sql = (SQL_DIR / "checks" / "intermediate" / f"{model}.sql").read_text(encoding="utf-8")
        con.execute(f"create or replace temp table {model} as {sql}")


def _replace_rows(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Replace the rows of the articles in `check_scope` in check table `name`."""
    _build_intermediates(con, name)
    con.execute(f"delete from quality.{name} where article_id in (select article_id from check_scope)")
    con.execute(f"insert into quality.{name} by name {_check_rows(name)}")


def debris_regex(patterns: list[str]) -> str:
    """One RE2 pattern matching any line that one of the debris line patterns matches."""
    if not patterns:
        return "(?m)$^"
    return "(?m)" + "|".join(f"(?:{pattern})" for pattern in patterns)


def scope_validation(
    con: duckdb.DuckDBPyConnection, fingerprint: str | None, as_of: date, date_checks: list[str]
) -> dict:
    """Mark the check rows Great Expectations must read this run (`to_validate`); returns the scope.

    Everything is validated when there is no earlier validation, when the suites or their inputs
    changed (`fingerprint`, None forces it) or when asked. Otherwise only rows whose key and hash are
    new, plus, on a new check day, rows that a check bounded by the day flagged last time: those
    bounds only widen as days pass, so no other unchanged row can change outcome.
    """
    previous = con.execute(
        "select run_id, suites_fingerprint, as_of from quality.validations order by validated_at desc limit 1"
    ).fetchall()
    # Rows an incremental build kept carry the mark of the last validation.
    for name in CHECK_TABLES:
        con.execute(f"update quality.{name} set to_validate = true where not to_validate")
    if fingerprint is None or not previous or previous[0][1] != fingerprint:
        return {"scope": "all", "previous_run_id": None}
    previous_run, _, previous_as_of = previous[0]
    for name in CHECK_TABLES:
        con.execute(
            f"""
            update quality.{name} as chk set to_validate = false
            from quality.validated_rows as done
            where done.table_name = ? and done.row_key = chk.{CHECK_KEY} and done.row_hash = chk.row_hash
            """,
            [name],
        )
        if previous_as_of != as_of and date_checks:
            con.execute(
                f"""
                update quality.{name} as chk set to_validate = true
                where {CHECK_KEY} in (
                    select row_key from quality.dq_row_flags
                    where run_id = ? and expectation in (select unnest(?))
                )
                """,
                [previous_run, date_checks],
            )
    return {"scope": "changed", "previous_run_id": previous_run}


def check_frames(con: duckdb.DuckDBPyConnection, catalog: pl.DataFrame) -> dict[str, pa.Table]:
    """The rows of each check table to validate, as Arrow tables: the key and the columns checks read.

    Arrow, not pandas: the suites turn one table at a time into a pandas batch (`expectations.runner`), so
    that pandas copies of every check table are not held at once (0.4 GB at 200 MB).
    """
    frames = {}
    for name in CHECK_TABLES:
        read = catalog.filter(pl.col("check_table") == name)["columns"].explode().drop_nulls()
        columns = sorted({CHECK_KEY}.union(read))
        frames[name] = con.sql(f"select {', '.join(columns)} from quality.{name} where to_validate").to_arrow_table()
    return frames


def carried_flags(con: duckdb.DuckDBPyConnection, catalog: pl.DataFrame, previous_run_id: str | None) -> pl.DataFrame:
    """The previous run's flags of rows not validated again, explained: neither outcome nor words can have changed."""
    schema = {c: pl.String for c in ("table_name", "row_key", "expectation", "rule", "severity", "quality_status")}
    schema |= {"message": pl.String, "suggested_value": pl.Float64, "suggested_unit": pl.String}
    if previous_run_id is None:
        return pl.DataFrame(schema=schema)
    parts = []
    for name in CHECK_TABLES:
        suites = catalog.filter(pl.col("check_table") == name)["suite"].unique().sort().to_list()
        parts.append(
            con.sql(
                f"""
                select flags.table_name, flags.row_key, flags.expectation, flags.rule, flags.severity,
                    flags.quality_status, flags.message, flags.suggested_value, flags.suggested_unit
                from quality.dq_row_flags as flags
                where flags.run_id = ? and flags.table_name in (select unnest(?))
                    and flags.row_key in (select {CHECK_KEY} from quality.{name} where not to_validate)
                """,
                params=[previous_run_id, suites],
            ).pl()
        )
    return pl.concat(parts).cast(schema)


def save_validation(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    validated_at: datetime,
    as_of: date,
    fingerprint: str | None,
    scope: str,
    flags_carried: int,
) -> dict[str, int]:
    """Remember which rows this validation covered; returns rows in all and rows GX read."""
    con.execute("delete from quality.validated_rows")
    total = validated = 0
    for name in CHECK_TABLES:
        con.execute(
            f"insert into quality.validated_rows select ?, {CHECK_KEY}, row_hash from quality.{name}",
            [name],
        )
        rows, read = con.execute(f"select count(*), count(*) filter (to_validate) from quality.{name}").fetchall()[0]
        total, validated = total + rows, validated + read
    con.execute(
        "insert into quality.validations values (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, validated_at, as_of, fingerprint or "", scope, total, validated, flags_carried],
    )
    return {"rows_total": total, "rows_validated": validated}


def record_results(
    con: duckdb.DuckDBPyConnection,
    results: pl.DataFrame,
    flags: pl.DataFrame,
    catalog: pl.DataFrame,
    *,
    run_id: str,
    checked_at: datetime,
    carried: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Store one run's outcomes and row flags, explained, with the `carried` ones; returns the flags stored."""
    messages = _messages(con, catalog, flags)
    explained = (
        flags.join(
            catalog.select("expectation", _table="check_table", _message_column="message_column", _note="note"),
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
    if carried is not None:
        explained = pl.concat([explained, carried.with_columns(run_id=pl.lit(run_id)).select(explained.columns)])
    stamped = results.with_columns(run_id=pl.lit(run_id), checked_at=pl.lit(checked_at))
    con.register("_results", stamped.to_arrow())
    con.execute("insert into quality.dq_results by name select * from _results")
    con.register("_flags", explained.to_arrow())
    con.execute("insert into quality.dq_row_flags by name select * from _flags")
    con.unregister("_results")
    con.unregister("_flags")
    return explained


def record_quarantine(
    con: duckdb.DuckDBPyConnection, catalog: pl.DataFrame, *, run_id: str, quarantined_at: datetime
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Hold back the articles whose own rows fail an article-gated check in run `run_id` (carried flags included).

    Stores and returns one row per article and failing expectation (`quality.quarantine`), and counts by
    expectation the failing rows that name no article: those cannot be quarantined and must block the run.
    """
    gated = catalog.filter(pl.col("gate") == "article").select("expectation", "check_table")
    con.register("_gated", gated.to_arrow())
    rows = " union all ".join(
        f"select '{name}' as check_table, {CHECK_KEY} as row_key, article_id from quality.{name}"
        for name in CHECK_TABLES
    )
    try:
        con.execute(
            f"""
            create or replace temp table _gated_flags as
            select flags.table_name, flags.expectation, flags.rule, flags.row_key, flags.message, check_rows.article_id
            from quality.dq_row_flags as flags
            inner join _gated as gated on flags.expectation = gated.expectation
            left join ({rows}) as check_rows
                on gated.check_table = check_rows.check_table and flags.row_key = check_rows.row_key
            where flags.run_id = ? and flags.severity = 'error'
            """,
            [run_id],
        )
        con.execute(
            """
            insert into quality.quarantine by name
            select
                ? as run_id,
                ? as quarantined_at,
                flags.article_id,
                any_value(articles.doc_id) as doc_id,
                any_value(articles.source_path) as source_path,
                any_value(articles.title) as title,
                flags.table_name,
                flags.expectation,
                any_value(flags.rule) as rule,
                count(*) as failing_rows,
                arg_min(flags.message, flags.row_key) as reason
            from _gated_flags as flags
            left join marts.dim_articles as articles on flags.article_id = articles.article_id
            where flags.article_id is not null
            group by flags.article_id, flags.table_name, flags.expectation
            """,
            [run_id, quarantined_at],
        )
        untraced = dict(
            con.execute(
                "select expectation, count(*) from _gated_flags where article_id is null group by expectation"
            ).fetchall()
        )
    finally:
        con.unregister("_gated")
        con.execute("drop table if exists _gated_flags")
    quarantine = con.sql(
        "select * exclude (run_id) from quality.quarantine where run_id = ?"
        " order by source_path, article_id, expectation",
        params=[run_id],
    ).pl()
    return quarantine, untraced


def _messages(con: duckdb.DuckDBPyConnection, catalog: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    """One row per (check table, message column, flagged row key) with the message text."""
    parts = []
    wanted = catalog.drop_nulls("message_column").select("check_table", "message_column").unique().sort("*")
    con.register("_flagged", flags.select("row_key").unique().to_arrow())
    for table, column in wanted.iter_rows():
        frame = con.sql(
            f'select {CHECK_KEY} as row_key, "{column}" as message from quality.{table} '
            f"where {CHECK_KEY} in (select row_key from _flagged)"
        ).pl()
        parts.append(frame.with_columns(_table=pl.lit(table), _message_column=pl.lit(column)))
    con.unregister("_flagged")
    schema = {"row_key": pl.String, "message": pl.String, "_table": pl.String, "_message_column": pl.String}
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).select(list(schema)).cast(schema).unique(["_table", "_message_column", "row_key"])


def _suggestions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "select fact_id as row_key, suggested_value, suggested_unit from quality.chk_quantities "
        "where suggested_value is not null"
    ).pl()


# What names a check row to a person: its surface, or an article's title.
ROW_LABELS = {
    "chk_quantities": "surface",
    "chk_articles": "title",
    "chk_dated_mentions": "surface",
    "chk_keys": "row_key",
}


def flagged_rows(con: duckdb.DuckDBPyConnection, run_id: str, catalog: pl.DataFrame) -> pl.DataFrame:
    """The flags of run `run_id`, carried-over ones included, each with its row's surface and article."""
    suites = catalog.select(table_name="suite", check_table="check_table").unique()
    labels = pl.concat(
        [
            con.sql(
                f"select ? as check_table, {CHECK_KEY} as row_key, article_id,"
                f" cast({ROW_LABELS[name]} as varchar) as surface, not to_validate as carried from quality.{name}",
                params=[name],
            ).pl()
            for name in CHECK_TABLES
        ]
    ).unique(["check_table", "row_key"], keep="first")
    flags = con.sql(
        "select table_name, row_key, expectation, rule, severity, quality_status, message, suggested_value,"
        " suggested_unit from quality.dq_row_flags where run_id = ?",
        params=[run_id],
    ).pl()
    return (
        flags.join(suites, on="table_name", how="left")
        .join(labels, on=["check_table", "row_key"], how="left")
        .select(
            "table_name",
            "row_key",
            "surface",
            "article_id",
            "expectation",
            "rule",
            "severity",
            "quality_status",
            pl.col("carried").fill_null(False),
            "message",
            "suggested_value",
            "suggested_unit",
        )
        .sort(
            pl.col("severity").replace_strict({"error": 0, "warning": 1}, default=2),
            pl.col("quality_status").replace_strict({"implausible": 0, "warning": 1}, default=2),
            "table_name",
            "row_key",
        )
    )


def validation_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per validation, newest first: what it read, what failed and how many rows were flagged."""
    return con.sql(
        """
        select validations.run_id, validations.validated_at, validations.scope, validations.rows_total,
            validations.rows_validated, validations.flags_carried,
            (select count(*) from quality.dq_results as results
                where results.run_id = validations.run_id and not results.success) as expectations_failed,
            (select count(*) from quality.dq_row_flags as flags where flags.run_id = validations.run_id) as row_flags
        from quality.validations as validations
        order by validations.validated_at desc
        """
    ).pl()
