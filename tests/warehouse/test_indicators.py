"""marts.fct_indicators and `newsfacts indicators`, on a warehouse the pipeline builds from made-up articles.

The articles plant every status: two articles agreeing on a budget whose year is said one sentence earlier,
three disagreeing on a growth rate, an estimate revised by a later final figure, a target beside the actual of
the same year, an implausible figure that must never be chosen, and a quarantined title-only file whose
figure must count nowhere.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows import cli

ARTICLES = {
    "growth-a.txt": (
        "Binh Duong economy grows in 2023\nWednesday, 10/01/2024 08:00\n"
        "In 2023, the GRDP of Binh Duong province grew by 8.5%. "
        "Binh Duong province aims to reach GRDP growth of 10% in 2024.\n"
    ),
    "growth-b.txt": (
        "Binh Duong reviews the year\nFriday, 12/01/2024 09:30\n"
        "In 2023, the GRDP growth of Binh Duong province reached 7.2%.\n"
    ),
    "growth-c.txt": (
        "Binh Duong's economy in figures\nThursday, 01/02/2024 10:00\n"
        "In 2023, the GRDP of Binh Duong province increased by 8.5%.\n"
    ),
    "budget-estimate.txt": (
        "Dong Nai closes its budget year\nWednesday, 20/12/2023 16:00\n"
        "In 2023, the state budget revenue of Dong Nai province was estimated at VND 60,000 billion.\n"
    ),
    "budget-final.txt": (
        "Dong Nai budget revenue exceeds estimate\nFriday, 01/03/2024 08:00\n"
        "In 2023, the state budget revenue of Dong Nai province reached VND 62,500 billion.\n"
    ),
    "export-a.txt": (
        "Tay Ninh exports in 2023\nFriday, 05/01/2024 08:00\n"
        "Tay Ninh province reviewed its economy in 2023. "
        "The export turnover of Tay Ninh province was USD 5.2 billion.\n"
    ),
    "export-b.txt": (
        "Tay Ninh trade results\nMonday, 08/01/2024 08:00\n"
        "In 2023, the export turnover of Tay Ninh province reached USD 5.2 billion.\n"
    ),
    # A scraper that kept only the headline: quarantined, and none of its figures feeds an indicator.
    "title-only.txt": "In 2023, the GRDP of Binh Duong province grew by 9.9%\n",
    "population-slip.txt": (
        "Long An population\nSaturday, 03/02/2024 08:00\n"
        "In 2023, the population of Long An province was 1,720 people.\n"
    ),
}

runner = CliRunner()


@pytest.fixture(scope="module")
def built(prefect_api, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from flows.pipeline import newsfacts_pipeline

    root = tmp_path_factory.mktemp("indicators")
    landing = root / "landing"
    landing.mkdir()
    for name, text in ARTICLES.items():
        (landing / name).write_text(text, encoding="utf-8")
    layout = {"source": landing, "warehouse": root / "w.duckdb", "publish_dir": root / "published"}
    newsfacts_pipeline(**layout)
    return layout


def _indicators(warehouse: Path, where: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relation = con.sql(f"select * from marts.fct_indicators where {where} order by metric, period, kind")
        return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


def test_conflicting_articles_are_reconciled_with_the_value_most_agree_on(built) -> None:
    (growth,) = _indicators(
        built["warehouse"], "place_id = 'binh_duong' and metric = 'growth_rate' and kind = 'actual'"
    )
    assert growth["period"] == "2023"
    assert growth["status"] == "conflicting"
    assert growth["value"] == 8.5
    assert growth["chosen_reason"] == "the value 2 of 3 articles agree on"
    assert (growth["spread_min"], growth["spread_max"]) == (7.2, 8.5)
    assert growth["n_articles"] == 3
    assert len(growth["article_ids"]) == 3 and len(growth["fact_ids"]) == 3


def test_a_quarantined_article_feeds_no_indicator(built) -> None:
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        (held,) = con.execute("select distinct article_id from quality.quarantine").fetchall()
        kept = con.execute("select count(*) from marts.fct_quantities where article_id = ?", [held[0]]).fetchall()
        fed = con.execute(
            "select count(*) from marts.fct_indicators where list_contains(article_ids, ?)", [held[0]]
        ).fetchall()
    finally:
        con.close()
    assert kept == [(1,)] and fed == [(0,)]


def test_a_target_never_mixes_with_the_actuals(built) -> None:
    rows = _indicators(built["warehouse"], "place_id = 'binh_duong' and metric = 'growth_rate'")
    assert {(row["period"], row["kind"], row["value"]) for row in rows} == {
        ("2023", "actual", 8.5),
        ("2024", "target", 10),
    }


def test_a_later_final_figure_revises_an_estimate(built) -> None:
    (budget,) = _indicators(built["warehouse"], "place_id = 'dong_nai' and metric = 'budget_revenue'")
    assert budget["status"] == "revised"
    assert budget["value"] == 62_500e9 and budget["unit"] == "VND"
    assert budget["chosen_reason"].startswith("the final figure, published 2024-03-01")
    assert budget["n_articles"] == 2


def test_articles_agree_on_a_figure_whose_year_is_said_one_sentence_earlier(built) -> None:
    (exports,) = _indicators(built["warehouse"], "place_id = 'tay_ninh' and metric = 'export_value'")
    assert exports["period"] == "2023"
    assert exports["status"] == "agreed"
    assert exports["value"] == 5.2e9 and exports["unit"] == "USD"
    assert exports["chosen_reason"] == "2 articles agree within 1.0 %"


def test_a_flagged_fact_is_never_the_chosen_value(built) -> None:
    (population,) = _indicators(built["warehouse"], "place_id = 'long_an' and metric = 'population'")
    assert population["n_flagged"] == 1
    assert population["value"] is None and population["chosen_fact_id"] is None
    assert population["status"] == "unresolved"


def test_indicators_are_published_as_parquet(built) -> None:
    files = sorted((built["publish_dir"] / "current" / "fct_indicators").rglob("*.parquet"))
    table = pq.read_table(files[0]) if len(files) == 1 else None
    assert table is not None
    assert table.num_rows == len(_indicators(built["warehouse"], "true"))
    assert {"indicator_id", "status", "chosen_reason", "fact_ids"} <= set(table.column_names)


def test_the_key_suite_checks_indicators(built) -> None:
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        results = con.execute(
            "select expectation, success from quality.dq_results where expectation like 'fct_indicators %'"
            " and run_id = (select run_id from quality.validations order by validated_at desc limit 1)"
        ).fetchall()
    finally:
        con.close()
    assert {name for name, _ in results} == {
        "fct_indicators key is present",
        "fct_indicators key is unique",
        "fct_indicators rests on facts",
    }
    assert all(success for _, success in results)


def _cli(built, *args: str):
    return runner.invoke(cli.app, ["indicators", *args, "--warehouse", str(built["warehouse"])])


def test_the_command_answers_for_a_place_written_as_articles_write_it(built) -> None:
    result = _cli(built, "binh duong province", "--metric", "growth", "--period", "2023", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["status"], row["value"], row["chosen"], row["surface"]) for row in rows] == [
        ("conflicting", "8.5", "true", "8.5%"),
        ("conflicting", "8.5", "false", "8.5%"),
        ("conflicting", "8.5", "false", "7.2%"),
    ]
    # Its sources: article title, date and sentence.
    assert rows[0]["published"] == "2024-02-01" and rows[0]["title"] == "Binh Duong's economy in figures"
    assert rows[2]["sentence"] == "In 2023, the GRDP growth of Binh Duong province reached 7.2%."


def test_the_command_filters_by_kind_and_writes_json(built) -> None:
    result = _cli(built, "Bình Dương", "--kind", "target", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(row["period"], row["kind"], row["value"]) for row in rows] == [("2024", "target", 10.0)]


def test_an_unknown_place_is_a_usage_error_with_suggestions(built) -> None:
    result = _cli(built, "Binh Doung")
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "no place called 'Binh Doung' in dim_places; did you mean Binh Duong" in said


def test_a_warehouse_without_indicators_is_a_usage_error(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute("create schema marts")
    con.execute("create table marts.dim_places as select 'binh_duong' as place_id, 'Binh Duong' as name")
    con.close()
    result = runner.invoke(cli.app, ["indicators", "Binh Duong", "--warehouse", str(old)])
    assert result.exit_code == 2
    assert "has no indicators" in " ".join(result.output.split())
