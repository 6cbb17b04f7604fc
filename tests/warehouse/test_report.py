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
        con.execute("""
            create table marts.fct_indicators as select
                place_name, metric, 'level' as base, period, period_type, cast(period_start as date) as period_start,
                cast(period_end as date) as period_end, kind, value, 'percent' as unit, status, n_articles,
                spread_min, spread_max, chosen_reason
            from (values
                ('Binh Duong', 'growth_rate', '2022', 'year', '2022-01-01', '2022-12-31', 'actual', 8.0, 'agreed',
                    2, 8.0, 8.0, '2 articles agree within 1.0 %'),
                ('Binh Duong', 'growth_rate', '2023', 'year', '2023-01-01', '2023-12-31', 'actual', 8.5,
                    'conflicting', 3, 7.2, 8.5, 'the value 2 of 3 articles agree on'),
                ('Binh Duong', 'growth_rate', '2024', 'year', '2024-01-01', '2024-12-31', 'target', 10.0,
                    'single_source', 1, 10.0, 10.0, 'the one article that states it'),
                ('Hanoi', 'poverty_rate', '2021-2025', 'years', '2021-01-01', '2025-12-31', 'target', 1.0,
                    'single_source', 1, 1.0, 1.0, 'the one article that states it')
            ) as t(place_name, metric, period, period_type, period_start, period_end, kind, value, status,
                n_articles, spread_min, spread_max, chosen_reason)
        """)
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


def _specs(page: str) -> dict[str, dict]:
    return {
        chart: json.loads(spec)
        for chart, spec in re.findall(
            r"<script type='application/json' class='vega-lite-spec' data-chart='(\w+)'>(.*?)</script>", page
        )
    }


def test_each_chart_is_drawn_as_svg_beside_its_vega_lite_spec(warehouse: Path, tmp_path: Path) -> None:
    page = write_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")

    specs = _specs(page)
    assert list(specs) == ["over_time", "by_province", "by_metric", "over_runs"]
    assert all("vega-lite" in spec["$schema"] for spec in specs.values())
    province = next(iter(specs["by_province"]["datasets"].values()))
    assert {"province": "binh_duong", "status": "flagged", "count": 1} in province
    # Drawn when the page was written: an SVG per chart, and nothing fetched from anywhere.
    for chart in specs:
        assert re.search(rf"<figure class='chart' id='{chart}'><svg", page)
    assert "<script src" not in page and "cdn." not in page


def test_indicators_over_time_conflicts_first(warehouse: Path, tmp_path: Path) -> None:
    page = write_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")

    rows = _rows(page, "Indicators over time, conflicts first")
    assert [(row[0], row[3], row[4], row[7]) for row in rows] == [
        ("Binh Duong", "2023", "actual", "conflicting"),
        ("Binh Duong", "2022", "actual", "agreed"),
        ("Binh Duong", "2024", "target", "single_source"),
        ("Hanoi", "2021-2025", "target", "single_source"),
    ]
    # A span of years is not drawn on a time axis; the years of Binh Duong are, actual and target apart.
    drawn = next(iter(_specs(page)["over_time"]["datasets"].values()))
    assert sorted((point["period"], point["kind"]) for point in drawn) == [
        ("2022", "actual"),
        ("2023", "actual"),
        ("2024", "target"),
    ]


def test_the_charts_show_in_a_browser_without_network(warehouse: Path, tmp_path: Path, browser) -> None:
    page = write_report(warehouse, tmp_path / "report.html")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    browser.get(page.as_uri())
    for chart in ("over_time", "by_province", "by_metric", "over_runs"):
        figure = browser.find_element("id", chart)
        svg = figure.find_element("tag name", "svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 100
        # Marks, not an empty frame: points, bars or lines are paths in Vega's SVG.
        assert len(figure.find_elements("css selector", "g.mark-symbol path, g.mark-rect path, g.mark-line path")) > 0
    browser.save_screenshot(str(tmp_path / "report.png"))


def test_newsfacts_report_writes_the_page(warehouse: Path, tmp_path: Path) -> None:
    from flows.cli import app

    done = CliRunner().invoke(app, ["report", "--warehouse", str(warehouse), "-o", str(tmp_path / "r.html")])

    assert done.exit_code == 0, done.output
    assert "report written to" in done.stderr and (tmp_path / "r.html").exists()
    assert report_frames(warehouse)["worst"].height == 2
