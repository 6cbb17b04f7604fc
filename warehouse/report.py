"""`newsfacts report`: one HTML page of facts and flags by province, by metric and over runs, and the worst rows.

Charts are Vega-Lite specs made with Altair (a dependency of Great Expectations) and drawn by the
browser; every chart has its numbers in a table below it, which reads without JavaScript or network.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import polars as pl

from warehouse import db

WORST_ROWS = 20


def report_frames(path: Path) -> dict[str, pl.DataFrame]:
    """What the report shows, read from the warehouse at `path` (read-only)."""
    con = db.connect_read_only(path)
    try:
        facts = (
            "select quantities.*, coalesce(articles.province_place_id, '(unknown)') as province"
            " from marts.fct_quantities as quantities"
            " left join marts.dim_articles as articles on quantities.article_id = articles.article_id"
        )
        counts = "count(*) as facts, count(*) filter (where quality_status != 'ok') as flagged"
        return {
            "by_province": con.sql(f"select province, {counts} from ({facts}) group by all order by facts desc").pl(),
            "by_metric": con.sql(f"select metric, {counts} from ({facts}) group by all order by facts desc").pl(),
            "over_runs": con.sql(
                "select runs.run_id, runs.started_at, runs.status,"
                " (select count(*) from quality.dq_row_flags as flags where flags.run_id = runs.run_id) as row_flags,"
                " (select count(*) from quality.dq_results as results"
                "  where results.run_id = runs.run_id and not results.success) as expectations_failed"
                " from raw.runs as runs order by runs.started_at"
            ).pl(),
            "worst": con.sql(
                f"select province, surface, value, unit, metric, quality_status, quality_note, suggested_value,"
                f" suggested_unit, sentence from ({facts}) where quality_status != 'ok'"
                f" order by quality_status = 'implausible' desc, province, surface limit {WORST_ROWS}"
            ).pl(),
        }
    finally:
        con.close()


def render_report(frames: dict[str, pl.DataFrame], title: str = "newsfacts report") -> str:
    """The report page: a chart and a table per view, then the worst rows with their notes."""
    import altair as alt  # imported with the report only (about 0.6 s)

    def bars(frame: pl.DataFrame, category: str) -> alt.Chart:
        long = frame.with_columns(ok=pl.col("facts") - pl.col("flagged")).unpivot(
            ["ok", "flagged"], index=category, variable_name="status", value_name="count"
        )
        return (
            alt.Chart(long.to_pandas())
            .mark_bar()
            .encode(
                y=alt.Y(f"{category}:N", sort="-x", title=None),
                x=alt.X("count:Q", stack=True, title="facts"),
                color=alt.Color("status:N", scale=alt.Scale(domain=["ok", "flagged"], range=["#6a9f58", "#d1615d"])),
            )
            .properties(width=500)
        )

    runs = frames["over_runs"]
    over_runs = (
        alt.Chart(runs.to_pandas())
        .mark_line(point=True)
        .encode(x=alt.X("started_at:T", title="run"), y=alt.Y("row_flags:Q", title="row flags"), tooltip=["run_id"])
        .properties(width=500, height=200)
    )
    charts = {
        "by_province": bars(frames["by_province"], "province"),
        "by_metric": bars(frames["by_metric"], "metric"),
        "over_runs": over_runs,
    }
    sections = [
        ("Facts and flags by province", "by_province"),
        ("Facts and flags by metric", "by_metric"),
        ("Row flags over runs", "over_runs"),
    ]
    body = [f"<h1>{escape(title)}</h1>"]
    scripts = []
    for heading, key in sections:
        body += [f"<h2>{escape(heading)}</h2>", f"<div id='{key}'></div>", _table(frames[key])]
        scripts.append(f"vegaEmbed('#{key}', {charts[key].to_json(indent=None)}, {{actions: false}});")
    body += [f"<h2>The worst rows ({frames['worst'].height} shown)</h2>", _table(frames["worst"])]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;font-size:.85em}"
        "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
        "</style>"
        "<script src='https://cdn.jsdelivr.net/npm/vega@5'></script>"
        "<script src='https://cdn.jsdelivr.net/npm/vega-lite@5'></script>"
        "<script src='https://cdn.jsdelivr.net/npm/vega-embed@6'></script>"
        "</head><body>\n" + "\n".join(body) + "\n<script>\n" + "\n".join(scripts) + "\n</script>\n</body></html>\n"
    )


def write_report(path: Path, target: Path) -> Path:
    """The report of the warehouse at `path` written to `target`, replaced whole."""
    page = render_report(report_frames(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
