"""The data dictionary: every table and column described once, applied as comments, rendered as a page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import REFERENCE
from warehouse import db, dictionary


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse with every table the models and schemas make (from empty inputs), commented."""
    path = dictionary.scratch_warehouse(tmp_path_factory.mktemp("dictionary"), REFERENCE)
    con = db.connect(path)
    yield con
    con.close()


def test_every_table_and_column_is_described(built: duckdb.DuckDBPyConnection) -> None:
    missing = dictionary.missing(built)

    assert not missing, (
        "add a row to warehouse/dictionary.csv (schema,table,column,description) for: "
        + ", ".join(missing)
        + "; then run `python -m warehouse.dictionary`"
    )


def test_every_exact_entry_names_something_that_exists(built: duckdb.DuckDBPyConnection) -> None:
    stale = dictionary.stale(built)

    assert not stale, "warehouse/dictionary.csv describes what the warehouse does not have: " + ", ".join(stale)


def test_a_new_column_without_description_is_named(built: duckdb.DuckDBPyConnection) -> None:
    built.execute("create table marts.fct_new as select 1 as doc_id, 2 as novel_measure")
    try:
        assert dictionary.missing(built) == ["marts.fct_new", "marts.fct_new.novel_measure"]
    finally:
        built.execute("drop table marts.fct_new")


def test_comments_are_set_again_on_tables_built_again(built: duckdb.DuckDBPyConnection) -> None:
    # A mart replaced by a run loses its comments; some tables keep theirs, so comments and nulls mix.
    built.execute("create or replace table marts.dim_people as select * from marts.dim_people")

    assert dictionary.apply_dictionary(built) == 1 + len(built.execute("describe marts.dim_people").fetchall())
    assert dictionary.apply_dictionary(built) == 0


def test_descriptions_are_comments_of_the_warehouse(built: duckdb.DuckDBPyConnection) -> None:
    comments = dict(
        built.execute(
            "select column_name, comment from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'fct_quantities'"
        ).fetchall()
    )
    grain = built.execute(
        "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'fct_quantities'"
    ).fetchall()[0][0]

    assert grain.startswith("one row per numeric fact")
    # Reference tables get one shared description; their columns are seeds/README.md's business.
    reference = built.execute(
        "select count(*), count(comment) from duckdb_tables() where schema_name = 'reference'"
    ).fetchall()[0]
    assert reference[0] > 10 and reference[0] == reference[1]
    assert comments["surface"] == "the mention exactly as written in the text"
    assert all(comments.values()), [name for name, comment in comments.items() if not comment]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (("marts", "fct_quantities", "surface"), "shared"),  # only the shared row applies
        (("marts", "dim_people", "name"), "people"),  # the table's own row beats the shared one
        (("quality", "chk_quantities", "msg_unit"), "messages"),  # a column pattern
        (("quality", "chk_quantities", "msg_magnitude"), "magnitude"),  # an exact column beats the pattern
        (("marts", "dim_people", ""), "grain"),  # the table itself, never a column's row
        (("staging", "stg_quantities", "value"), None),  # nothing matches
    ],
)
def test_the_most_specific_row_wins(key: tuple[str, str, str], expected: str | None) -> None:
    rows = pl.DataFrame(
        [
            ("*", "*", "surface", "shared"),
            ("*", "*", "name", "shared name"),
            ("marts", "dim_people", "name", "people"),
            ("marts", "dim_people", "", "grain"),
            ("*", "*", "msg_*", "messages"),
            ("quality", "chk_quantities", "msg_magnitude", "magnitude"),
        ],
        schema=["schema", "table", "column", "description"],
        orient="row",
    ).rows(named=True)

    assert dictionary._describe(rows, *key) == expected


def test_the_docs_page_is_current() -> None:
    page = dictionary.current_page(REFERENCE)

    assert dictionary.PAGE.read_text(encoding="utf-8") == page, (
        f"{dictionary.PAGE} is out of date: run `python -m warehouse.dictionary`"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nothing", "found nowhere"),  # no such table
        ("t", "found in marts.t, staging.t"),  # a name two schemas share: say which
    ],
)
def test_describe_names_what_it_cannot_find(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / "w.duckdb"
    with db.session(path) as con:
        db.create_schemas(con)
        con.execute("create table marts.t (a int); create table staging.t (a int)")

    with pytest.raises(dictionary.UnknownTable, match=message):
        dictionary.table_columns(path, name)


def test_describe_gives_the_grain_and_column_descriptions(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with db.session(path) as con:
        db.create_schemas(con)
        dictionary.apply_dictionary(con)

    grain, columns = dictionary.table_columns(path, "raw.documents")

    assert grain == "one row per distinct file content ever ingested, text decoded but untouched"
    described = dict(zip(columns["column"].to_pylist(), columns["description"].to_pylist(), strict=True))
    assert described["text"].startswith("the decoded text")
