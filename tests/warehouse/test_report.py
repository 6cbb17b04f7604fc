"""The HTML report on a real warehouse file: counts by province, metric and run, and the worst rows."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warehouse import db
from warehouse.report import report_frames, write_report


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Two provinces' facts, one implausible and one warning, over two runs."""
    path = tmp_path / "warehouse.duckdb"
    with db.session(path) as con:
        db.create_schemas(con)
        con.execute(
            "create table marts.dim_articles as select * from (values ('a1', 'binh_duong'), ('a2', 'hanoi'),"
            " ('a3', null)) as t(article_id, province_place_id)"
        )
        con.execute("""
            create table marts.fct_quantities as select * from (values
                ('a1', '2,717 m2', 2717.0, 'm2', 'area', 'implausible', 'not a possible area', 2717.0, 'km2'),
                ('a1', '12%', 12.0, 'percent', 'growth', 'ok', null, null, null),
                ('a2', '1,250 billion VND', 1250.0, 'billion VND', 'investment', 'warning', 'disagrees', null, null),
                ('a2', '3 projects', 3.0, 'projects', 'projects', 'ok', null, null, null),
                ('a3', '5 ha', 5.0, 'ha', 'area', 'ok', null, null, null)
            ) as t(article_id, surface, value, unit, metric, quality_status, quality_note, suggested_value,
                suggested_unit)
        """)
        con.execute("alter table marts.fct_quantities add column sentence varchar default 'A sentence.'")
        for number, flags in ((1, 1), (2, 2)):
            con.execute(
                "insert into raw.runs values (?, ?, ?, 'completed', 'test', '{}')",
                [f"run-{number}", datetime(2024, 3, number), datetime(2024, 3, number, 1)],
            )
            for flag in range(flags):
                con.execute(
                    "insert into quality.dq_row_flags values (?, 'fct_quantities', ?, 'e', 'magnitude', 'warning',"
                    " 'warning', 'm', null, null)",
                    [f"run-{number}", f"k{flag}"],
                )
    return path


def _rows(page: str, heading: str) -> list[list[str]]:
    """The body cells of the table under `heading`."""
    table = page.split(f"<h2>{heading}")[1].split("</table>")[0].split("<tbody>")[1]
    return [
        [unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", table)
    ]


def test_counts_by_province_metric_and_run(warehouse: Path, tmp_path: Path) -> None:
    page = write_report(warehouse, tmp_path / "docs" / "report.html").read_text(encoding="utf-8")

    assert sorted(_rows(page, "Facts and flags by province")) == [
        ["(unknown)", "1", "0"],
        ["binh_duong", "2", "1"],
        ["hanoi", "2", "1"],
    ]
    assert ["area", "2", "1"] in _rows(page, "Facts and flags by metric")
    assert [row[0] + ":" + row[3] for row in _rows(page, "Row flags over runs")] == ["run-1:1", "run-2:2"]
    # The implausible row first, with its note and suggestion.
    worst = _rows(page, "The worst rows")
    assert [row[1] for row in worst] == ["2,717 m2", "1,250 billion VND"]
    assert worst[0][5:9] == ["implausible", "not a possible area", "2717.0", "km2"]


def test_each_chart_is_a_vega_lite_spec_with_its_data(warehouse: Path, tmp_path: Path) -> None:
    page = write_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")

    specs = [json.loads(spec) for spec in re.findall(r"vegaEmbed\('#\w+', (\{.*\}), \{actions", page)]
    assert len(specs) == 3
    assert all("vega-lite" in spec["$schema"] for spec in specs)
    province = next(iter(specs[0]["datasets"].values()))
    assert {"province": "binh_duong", "status": "flagged", "count": 1} in province


def test_newsfacts_report_writes_the_page(warehouse: Path, tmp_path: Path) -> None:
    from flows.cli import app

    done = CliRunner().invoke(app, ["report", "--warehouse", str(warehouse), "-o", str(tmp_path / "r.html")])

    assert done.exit_code == 0, done.output
    assert "report written to" in done.stderr and (tmp_path / "r.html").exists()
    assert report_frames(warehouse)["worst"].height == 2
