"""Running the SQL models: reference seeds in, marts out."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl

from warehouse.db import SQL_DIR

# Models in dependency order, each with the schema of its table and folder of its SQL: facts join
# dim_articles; fct_quantities is the final model of int_quantities, joined with the last validation's flags.
MODEL_ORDER = (
    ("marts", "dim_places"),
    ("marts", "dim_articles"),
    ("intermediate", "int_quantities"),
    ("marts", "fct_quantities"),
    ("marts", "dim_people"),
    ("marts", "fct_person_roles"),
    ("marts", "fct_document_refs"),
    ("marts", "fct_events"),
    ("intermediate", "int_indicator_facts"),
    ("marts", "fct_indicators"),
)
MART_ORDER = tuple(name for schema, name in MODEL_ORDER if schema == "marts")
SCHEMA_OF = {name: schema for schema, name in MODEL_ORDER}
# Marts whose quality columns come from the row flags: rebuilt after each validation.
FLAGGED_MARTS = ("fct_quantities",)
# Models reconciled from the flagged facts (a flagged fact is never chosen): rebuilt whole after them.
RECONCILED_MODELS = ("int_indicator_facts", "fct_indicators")


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
    """The select statement of one model (warehouse/marts/ or warehouse/intermediate/)."""
    return (SQL_DIR / SCHEMA_OF[name] / f"{name}.sql").read_text(encoding="utf-8")


# Models with one row per article or per mention in one: an incremental build replaces the rows of
# the articles that changed and keeps the others.
ARTICLE_MODELS = (
    "dim_articles",
    "int_quantities",
    "fct_quantities",
    "fct_person_roles",
    "fct_document_refs",
    "fct_events",
)
# What a dim_articles row and the fact rows of its article are made of: the document chosen for the
# article, its sources and when it was extracted. Every other column comes from the staging rows of
# that document, which change only when it is extracted again (a new extracted_at).
ARTICLE_INPUTS = ("doc_id", "source_path", "source_count", "document_count", "ingested_at", "encoding", "extracted_at")


class MartBuild(NamedTuple):
    """Rows per mart, and the articles an incremental build replaced (None: everything was rebuilt)."""

    rows: dict[str, int]
    changed_articles: list[str] | None

    @property
    def articles_rebuilt(self) -> int | str:
        """How many articles the build replaced: `all` for a build from scratch."""
        return "all" if self.changed_articles is None else len(self.changed_articles)


def build_marts(con: duckdb.DuckDBPyConnection, *, incremental: bool = False) -> MartBuild:
    """Build every mart in one transaction: from scratch, or only the rows of articles whose inputs changed.

    An incremental build is only correct over marts built by the same models from the same reference
    tables (`inputs_fingerprint`); the caller decides.
    """
    con.execute("begin transaction")
    try:
        _scope(con, "select doc_id from staging.stg_articles")
        built = all_exist(con, "marts", MART_ORDER) and all_exist(con, "intermediate", ("int_quantities",))
        changed = _changed_articles(con) if incremental and built else None
        if changed is not None:
            # Every document of a changed article: which one is chosen for it is decided again.
            _scope(
                con,
                "select doc_id from staging.stg_articles "
                "where content_key in (select article_id from _changed_articles)",
            )
        for schema, name in MODEL_ORDER:
            if name in FLAGGED_MARTS:
                _fact_scope(con, "select fact_id from intermediate.int_quantities where doc_id in (from mart_scope)")
            if changed is None or name not in ARTICLE_MODELS:
                con.execute(f"create or replace table {schema}.{name} as\n{model_sql(name)}")
                continue
            con.execute(f"delete from {schema}.{name} where article_id in (select article_id from _changed_articles)")
            con.execute(f"insert into {schema}.{name} by name\n{model_sql(name)}")
        counts = {name: con.execute(f"select count(*) from marts.{name}").fetchall()[0][0] for name in MART_ORDER}
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists _changed_articles")
        con.execute("drop table if exists mart_scope")
        con.execute("drop table if exists fact_scope")
    return MartBuild(counts, changed)


def _scope(con: duckdb.DuckDBPyConnection, documents: str) -> None:
    """`mart_scope`, the documents whose rows the article models build: those query `documents` returns."""
    con.execute(f"create or replace temp table mart_scope as select * from ({documents}) as scope(doc_id)")


def _changed_articles(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Articles that are new, gone, or whose inputs differ from the ones `marts.dim_articles` was built from."""
    inputs = ", ".join(ARTICLE_INPUTS)
    con.execute(
        f"""
        create or replace temp table _changed_articles as
        with wanted as (select article_id, {inputs} from ({model_sql("dim_articles")})),
        built as (select article_id, {inputs} from marts.dim_articles)
        select coalesce(wanted.article_id, built.article_id) as article_id
        from wanted full join built on wanted.article_id = built.article_id
        where ({", ".join(f"wanted.{c}" for c in ARTICLE_INPUTS)})
            is distinct from ({", ".join(f"built.{c}" for c in ARTICLE_INPUTS)})
        """
    )
    return [r[0] for r in con.execute("select article_id from _changed_articles order by article_id").fetchall()]


def all_exist(con: duckdb.DuckDBPyConnection, schema: str, tables: tuple[str, ...]) -> bool:
    """Whether every one of `tables` exists in `schema`."""
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name in (select unnest(?))",
        [schema, list(tables)],
    ).fetchall()[0][0]
    return found == len(tables)


def marts_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The `inputs_fingerprint` of the marts in this warehouse: that of the last run that stored its work."""
    rows = con.execute(
        "select summary->>'inputs_fingerprint' from raw.runs order by finished_at desc limit 1"
    ).fetchall()
    return rows[0][0] if rows else None


def inputs_fingerprint(reference_dir: Path, *extra: str) -> str:
    """A hash of everything besides the documents that shapes the marts and their checks.

    Reference tables, SQL models and the expectation suites: when none of them and no document
    changed, a run has nothing to rebuild, validate or publish.
    """
    expectations_dir = SQL_DIR.parent / "expectations"
    # How marts and check tables are built incrementally is part of what they are.
    builders = [SQL_DIR / "models.py", SQL_DIR / "quality_io.py"]
    files = (
        sorted(reference_dir.glob("*.csv"))
        + sorted(SQL_DIR.rglob("*.sql"))
        + builders
        + sorted(expectations_dir.glob("*.py"))
    )
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


def build_flagged_marts(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Build again the rows of the final models whose flags validation `run_id` may have changed; returns rows not ok.

    Those are the facts flagged before (not ok now) or flagged by this validation: any other row is ok and stays ok.
    The marts reconciled from those facts are built again whole.
    """
    flagged = 0
    for name in FLAGGED_MARTS:
        _fact_scope(
            con,
            f"select fact_id from marts.{name} where quality_status != 'ok' union "
            "select row_key from quality.dq_row_flags where run_id = ? and table_name = ?",
            [run_id, name],
        )
        try:
            con.execute(f"delete from marts.{name} where fact_id in (select fact_id from fact_scope)")
            con.execute(f"insert into marts.{name} by name\n{model_sql(name)}")
        finally:
            con.execute("drop table if exists fact_scope")
        flagged += con.execute(f"select count(*) from marts.{name} where quality_status != 'ok'").fetchall()[0][0]
    for name in RECONCILED_MODELS:
        con.execute(f"create or replace table {SCHEMA_OF[name]}.{name} as\n{model_sql(name)}")
    return flagged


def _fact_scope(con: duckdb.DuckDBPyConnection, facts: str, parameters: list | None = None) -> None:
    """`fact_scope`, the facts whose rows the final models build: those query `facts` returns."""
    con.execute(f"create or replace temp table fact_scope as select * from ({facts}) as scope(fact_id)", parameters)
