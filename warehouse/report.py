"""`newsfacts report`: one HTML page of indicators over time, facts and flags by province, by metric and over runs,
and the worst rows.

Charts are Vega-Lite specs made with Altair (a dependency of Great Expectations), drawn into SVG when the page is
written (`vl-convert-python`, no browser and no network): the page shows its charts offline and without
JavaScript. Each spec is kept beside its chart (a JSON script block), and every chart has its numbers in a
table below it.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from html import escape
from pathlib import Path

import polars as pl

from warehouse import db
from warehouse.models import all_exist

WORST_ROWS = 20
# Series (a place and a metric) drawn over time, conflicts first: more would make the page a wall of charts.
CHARTED_SERIES = 12
INDICATOR_ROWS = 200


def report_frames(path: Path) -> dict[str, pl.DataFrame]:
    """What the report shows, read from the warehouse at `path` (read-only)."""
    con = db.connect_read_only(path)
    try:
        if not all_exist(con, "marts", ("fct_quantities", "dim_articles", "fct_indicators")):
            raise db.WarehouseError(
                f"warehouse {path} has no indicators yet (an older build): `newsfacts run` builds them"
            )
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
            "indicators": con.sql(
                "select place_name as place, metric, base, period, kind, value, unit, status, n_articles,"
                " spread_min, spread_max, chosen_reason from marts.fct_indicators"
                " order by status != 'conflicting', status != 'revised', place_name, metric, period_start, kind"
                f" limit {INDICATOR_ROWS}"
            ).pl(),
            "over_time": con.sql(_OVER_TIME).pl(),
            "worst": con.sql(
                f"select province, surface, value, unit, metric, quality_status, quality_note, suggested_value,"
                f" suggested_unit, sentence from ({facts}) where quality_status != 'ok'"
                f" order by quality_status = 'implausible' desc, province, surface limit {WORST_ROWS}"
            ).pl(),
        }
    finally:
        con.close()


# The indicators of the series with the most conflicts, then the most periods: one point per period and kind.
_OVER_TIME = f"""
with series as (
    select
        place_name, metric, base, unit,
        count(*) filter (where status = 'conflicting') as conflicts,
        count(distinct period) as periods
    from marts.fct_indicators
    where value is not null and period_type in ('year', 'half', 'quarter', 'month', 'year_to_date')
    group by all
    order by conflicts desc, periods desc, place_name, metric
    limit {CHARTED_SERIES}
)
select
    indicators.place_name || ' · ' || indicators.metric || ' (' || indicators.unit || ')' as series,
    indicators.period, indicators.period_end, indicators.kind, indicators.value, indicators.status,
    indicators.spread_min, indicators.spread_max, indicators.n_articles
from marts.fct_indicators as indicators
inner join series using (place_name, metric, base, unit)
where indicators.value is not null and indicators.period_type in ('year', 'half', 'quarter', 'month', 'year_to_date')
order by series.conflicts desc, series.periods desc, series, indicators.period_end
"""


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
    if frames["over_time"].height:
        charts["over_time"] = _over_time(alt, frames["over_time"])
    sections = [
        ("Indicators over time, conflicts first", "over_time", "indicators"),
        ("Facts and flags by province", "by_province", "by_province"),
        ("Facts and flags by metric", "by_metric", "by_metric"),
        ("Row flags over runs", "over_runs", "over_runs"),
    ]
    body = [f"<h1>{escape(title)}</h1>"]
    for heading, chart, table in sections:
        body.append(f"<h2>{escape(heading)}</h2>")
        if chart in charts:
            spec = charts[chart].to_dict()
            body += [
                f"<figure class='chart' id='{chart}'>{_svg(spec)}</figure>",
                # The spec the chart was drawn from, for whoever wants to draw it again (vega-embed, the editor).
                f"<script type='application/json' class='vega-lite-spec' data-chart='{chart}'>"
                f"{_script_json(spec)}</script>",
            ]
        else:
            body.append("<p>Nothing to draw yet: no indicator has a value for a year or a part of one.</p>")
        body.append(_table(frames[table]))
    body += [f"<h2>The worst rows ({frames['worst'].height} shown)</h2>", _table(frames["worst"])]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;font-size:.85em}"
        "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
        "figure{margin:1em 0}</style>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _over_time(alt, frame: pl.DataFrame):
    """Each series' indicators by the end of their period: a point per kind, a rule from the lowest to the highest
    figure the articles give; a faceted chart, one row per place and metric, each with its own scale."""
    # The data goes on the layer only: a facet splits the data of the chart it repeats, not that of its parts.
    data = alt.Chart().encode(
        x=alt.X("period_end:T", title="end of period"),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["actual", "target", "forecast"])),
    )
    spread = data.mark_rule(strokeWidth=2, opacity=0.6).encode(y=alt.Y("spread_min:Q", title=None), y2="spread_max:Q")
    points = data.mark_point(filled=True, size=70).encode(
        y=alt.Y("value:Q", title=None),
        shape=alt.Shape("status:N"),
        tooltip=["series", "period", "kind", "value", "status", "n_articles"],
    )
    return (
        alt.layer(spread, points, data=frame.to_pandas())
        .properties(width=420, height=110)
        .facet(row=alt.Row("series:N", title=None, sort=None, header=alt.Header(labelAngle=0, labelAlign="left")))
        .resolve_scale(x="independent", y="independent")
    )


def _svg(spec: dict) -> str:
    """The chart of a Vega-Lite spec as inline SVG, drawn here: the page needs no script and no network."""
    import vl_convert  # imported with the report only

    return vl_convert.vegalite_to_svg(_json(spec))


def _script_json(spec: dict) -> str:
    """JSON that cannot end the script block it is written in."""
    return _json(spec).replace("</", "<\\/")


def _json(spec: dict) -> str:
    """A spec as JSON: decimals (DuckDB's exact numbers) as numbers, dates as ISO text."""
    return json.dumps(spec, default=lambda value: float(value) if isinstance(value, Decimal) else str(value))


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
