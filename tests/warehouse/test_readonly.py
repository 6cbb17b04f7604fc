"""Analyst queries: answers to selects, refusals for anything that writes, loads code or reads files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from warehouse import db
from warehouse.readonly import QueryRefused, run_query


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed warehouse file with one small mart (shared: every test checks it is left unchanged)."""
    path = tmp_path_factory.mktemp("readonly") / "warehouse.duckdb"
    con = db.connect(path)
    db.create_schemas(con)
    con.execute("create table marts.dim_places (place_id varchar, name varchar, area_km2 double)")
    con.execute("insert into marts.dim_places values ('p1', 'Bình Dương', 2694.6), ('p2', 'Thủ Dầu Một', 118.9)")
    con.close()
    duckdb.connect(str(path.with_name("other.duckdb"))).execute("create table t as select 42 as answer").close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_select_is_answered(warehouse: Path) -> None:
    frame = run_query(warehouse, "select name, area_km2 from marts.dim_places order by place_id")

    assert frame.to_dicts() == [{"name": "Bình Dương", "area_km2": 2694.6}, {"name": "Thủ Dầu Một", "area_km2": 118.9}]


@pytest.mark.parametrize(
    "sql",
    [
        "describe marts.dim_places",  # the table's columns
        "with big as (select * from marts.dim_places where area_km2 > 1000) select count(*) from big",  # CTEs
        "explain select * from marts.dim_places",  # a plan, not an answer
        "select 1;",  # a trailing semicolon is still one statement
    ],
)
def test_read_only_forms_are_answered(warehouse: Path, sql: str) -> None:
    assert run_query(warehouse, sql).height >= 1


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("insert into marts.dim_places values ('p3', 'x', 1)", "INSERT"),  # writes a row
        ("update marts.dim_places set name = 'x'", "UPDATE"),  # changes rows
        ("delete from marts.dim_places", "DELETE"),  # removes rows
        ("create table marts.evil as select 1", "CREATE"),  # adds a table
        ("drop table marts.dim_places", "DROP"),  # removes a table
        ("copy marts.dim_places to 'COPY_TARGET'", "COPY"),  # writes a file
        ("attach 'ATTACH_TARGET' as other", "ATTACH"),  # opens another database
        ("install httpfs", "LOAD"),  # downloads code
        ("load httpfs", "LOAD"),  # loads code
        ("set enable_external_access = true", "SET"),  # switches the file guard back on
        ("pragma database_list", "PRAGMA"),  # pragmas are not selects
        ("call pragma_version()", "CALL"),  # table functions behind call
        ("export database 'COPY_TARGET'", "EXPORT"),  # writes every table out
        ("update extensions", "not allowed"),  # a statement type the Python client cannot name
        ("explain analyze delete from marts.dim_places", ""),  # explain analyze runs its statement
        ("select 1; drop table marts.dim_places", "one statement"),  # a write hidden behind a select
        ("select 1; select 2", "one statement"),  # two selects are still two statements
        ("", "one statement"),  # nothing to run
        ("select * from read_text('/etc/passwd')", "not files"),  # reads any file
        ("select * from read_csv('/etc/passwd')", "not files"),  # reads any file as a table
        ("select * from read_blob('/etc/passwd')", "not files"),  # reads any file as bytes
        ("select * from glob('/etc/*')", "not files"),  # lists folders
        ("select * from read_parquet('https://example.com/x.parquet')", "not files"),  # the network
        ("select * from 'ATTACH_TARGET'", ""),  # a file read by naming it as a table
    ],
)
def test_anything_but_reading_the_warehouse_is_refused(warehouse: Path, tmp_path: Path, sql: str, message: str) -> None:
    other = warehouse.with_name("other.duckdb")
    sql = sql.replace("COPY_TARGET", str(tmp_path / "stolen.csv")).replace("ATTACH_TARGET", str(other))
    before = _digest(warehouse)

    with pytest.raises(QueryRefused) as refused:
        run_query(warehouse, sql)

    assert message in str(refused.value)
    assert "root:" not in str(refused.value)
    assert _digest(warehouse) == before
    assert not (tmp_path / "stolen.csv").exists()


def test_refusal_messages_say_why(warehouse: Path) -> None:
    with pytest.raises(QueryRefused, match=r"refused: INSERT statements are not allowed; newsfacts query is read-only"):
        run_query(warehouse, "insert into marts.dim_places values ('p3', 'x', 1)")
    with pytest.raises(QueryRefused, match=r"refused: .*not files or the network"):
        run_query(warehouse, "select * from read_text('/etc/passwd')")
    with pytest.raises(QueryRefused, match=r"exactly one statement, got 2"):
        run_query(warehouse, "select 1; select 2")


def test_bad_sql_is_a_refusal_not_a_crash(warehouse: Path) -> None:
    with pytest.raises(QueryRefused, match=r"cannot parse|query failed"):
        run_query(warehouse, "selec * frm nowhere")
    with pytest.raises(QueryRefused, match="query failed"):
        run_query(warehouse, "select * from marts.missing")


def test_missing_warehouse_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(db.WarehouseError, match="newsfacts run"):
        run_query(tmp_path / "missing.duckdb", "select 1")
