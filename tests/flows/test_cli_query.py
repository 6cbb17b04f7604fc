"""`newsfacts query`, `tables` and `describe` on a real warehouse file: every DuckDB type, every output format."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from flows import cli
from warehouse import db, dictionary
from warehouse.readonly import QueryTimeout, fetch_answer

runner = CliRunner()
NESTED = "select interval 1 day as gap, [1, 2] as list, {'a': 1} as struct, map {'k': 1} as map, 'a|b' as text"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed warehouse with a commented mart of two rows and a 30-column one."""
    path = tmp_path_factory.mktemp("query") / "warehouse.duckdb"
    with db.session(path) as con:
        db.create_schemas(con)
        con.execute("create table marts.dim_places (place_id varchar, name varchar, area_km2 double)")
        con.execute("insert into marts.dim_places values ('p1', 'Bình Dương', 2694.6), ('p2', 'Thủ Dầu Một', 118.9)")
        con.execute("create table marts.wide as select " + ", ".join(f"{i} as column_{i}" for i in range(30)))
        dictionary.apply_dictionary(con)
    return path


def _query(warehouse: Path, *args: str):
    return runner.invoke(cli.app, ["query", *args, "--warehouse", str(warehouse)])


def test_csv_of_nested_and_interval_values_is_text(warehouse: Path) -> None:
    done = _query(warehouse, NESTED, "--format", "csv")

    assert done.exit_code == 0, done.output
    assert list(csv.DictReader(io.StringIO(done.stdout))) == [
        {"gap": "1 day", "list": "[1, 2]", "struct": "{'a': 1}", "map": "{k=1}", "text": "a|b"}
    ]
    assert done.stderr.strip() == "1 row"


def test_show_all_tables_is_csv_not_a_traceback(warehouse: Path) -> None:
    done = _query(warehouse, "show all tables", "--format", "csv")

    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {row["name"] for row in rows} >= {"dim_places", "wide", "documents"}


def test_json_keeps_nesting_and_writes_intervals_as_text(warehouse: Path) -> None:
    done = _query(warehouse, NESTED, "--format", "json")

    assert json.loads(done.stdout) == [
        {"gap": "1 day", "list": [1, 2], "struct": {"a": 1}, "map": {"k": 1}, "text": "a|b"}
    ]


def test_markdown_escapes_pipes(warehouse: Path) -> None:
    done = _query(warehouse, NESTED, "--format", "markdown")

    assert done.stdout.splitlines() == [
        "| gap | list | struct | map | text |",
        "|---|---|---|---|---|",
        "| 1 day | [1, 2] | {'a': 1} | {k=1} | a\\|b |",
    ]


def test_parquet_goes_to_a_file_with_its_types(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "places.parquet"
    done = _query(
        warehouse, "select * from marts.dim_places order by place_id", "--format", "parquet", "-o", str(target)
    )

    assert done.exit_code == 0, done.output
    assert pq.read_table(target).to_pylist() == [
        {"place_id": "p1", "name": "Bình Dương", "area_km2": 2694.6},
        {"place_id": "p2", "name": "Thủ Dầu Một", "area_km2": 118.9},
    ]
    assert "2 rows written to" in done.stderr
    assert _query(warehouse, "select 1", "--format", "parquet").exit_code == 2


def test_a_pipe_gets_plain_text_and_the_row_count_goes_to_stderr(warehouse: Path) -> None:
    done = _query(warehouse, "select place_id, name from marts.dim_places order by place_id")

    assert done.stdout == "place_id\tname\np1\tBình Dương\np2\tThủ Dầu Một\n"
    assert done.stderr.strip() == "2 rows"


def test_an_empty_answer_says_0_rows(warehouse: Path) -> None:
    done = _query(warehouse, "select * from marts.dim_places where false")

    assert done.exit_code == 0 and done.stderr.strip() == "0 rows"


def test_show_tables_says_where_the_tables_are(warehouse: Path) -> None:
    done = _query(warehouse, "show tables")

    assert "newsfacts tables" in done.stderr


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stdout as an 80-column terminal."""
    screen = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=screen, force_terminal=True, width=80, color_system=None))
    return screen


def test_a_terminal_gets_a_table(warehouse: Path, terminal: io.StringIO) -> None:
    done = _query(warehouse, NESTED)

    assert done.exit_code == 0, done.output
    assert "┃ gap" in terminal.getvalue() and "│ 1 day │ [1, 2] │" in terminal.getvalue()


def test_a_wide_answer_is_shown_one_block_per_row(warehouse: Path, terminal: io.StringIO) -> None:
    done = _query(warehouse, "select * from marts.wide")

    lines = terminal.getvalue().splitlines()
    assert "column_29 29" in [line.strip() for line in lines]
    assert "30 columns, one block per row" in done.stderr


def test_the_terminal_table_is_limited_and_says_so(warehouse: Path, terminal: io.StringIO) -> None:
    done = _query(warehouse, "select * from range(50)", "--limit", "10")

    assert "50 rows, 10 shown" in done.stderr
    assert "│ 9 " in terminal.getvalue() and "│ 10 " not in terminal.getvalue()


def test_timeout_interrupts_the_query(warehouse: Path) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"after 0\.3 s"):
        fetch_answer(warehouse, "select count(*) from range(1000000000000)", timeout_s=0.3)
    assert time.monotonic() - started < 3

    done = _query(warehouse, "select count(*) from range(1000000000000)", "--timeout", "0.3")
    assert done.exit_code == cli.Exit.crash and "interrupted after 0.3 s" in done.stderr


def test_refused_queries_are_usage_errors(warehouse: Path) -> None:
    done = _query(warehouse, "drop table marts.dim_places")

    assert done.exit_code == cli.Exit.usage and "read-only" in done.stderr


def test_tables_lists_schema_table_grain_and_rows(warehouse: Path) -> None:
    done = runner.invoke(cli.app, ["tables", "--warehouse", str(warehouse), "--format", "csv"])

    rows = {(r["schema"], r["table"]): r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert rows["marts", "dim_places"]["rows"] == "2"
    assert rows["marts", "dim_places"]["grain"].startswith("one row per administrative unit")
    assert rows["raw", "documents"]["rows"] == "0"


def test_describe_shows_descriptions(warehouse: Path) -> None:
    done = runner.invoke(cli.app, ["describe", "dim_places", "--warehouse", str(warehouse), "--format", "csv"])

    assert done.exit_code == 0, done.output
    described = {r["column"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert described["area_km2"]["description"].startswith("area in km2")
    assert "one row per administrative unit" in done.stderr
    assert runner.invoke(cli.app, ["describe", "nope", "--warehouse", str(warehouse)]).exit_code == cli.Exit.usage
