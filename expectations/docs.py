"""The warehouse's quality state as HTML pages beside GX's Data Docs: one per run, and an index of runs.

GX's own pages show only the rows a run validated; these show every expectation's outcome with the
flags carried over from earlier validations, and each failing row by its key and surface.
"""

from __future__ import annotations

import os
from datetime import datetime
from html import escape
from pathlib import Path

import polars as pl

FOLDER = "quality"
# Failing rows listed on a run's page (worst first); the rest are in quality.dq_row_flags, as the page says.
MAX_ROWS = 2000
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.failed { background: #fde8e8; } .passed { background: #eaf6ea; } .carried { color: #666; }
"""


def run_page(
    run_id: str,
    checked_at: datetime,
    results: pl.DataFrame,
    flags: pl.DataFrame,
    gx_pages: list[str] = (),
    quarantine: pl.DataFrame | None = None,
) -> str:
    """One run's quality state: expectations with carried-over failures counted, quarantined articles, flagged rows.

    `gx_pages` are Great Expectations' pages of the run, relative to the Data Docs folder: GX's own index
    lists only the last run's, these stay reachable from the run's page.
    """
    failed = results.filter(~pl.col("success"))
    title = f"newsfacts data quality: run {run_id}"
    errors = set(failed.filter(pl.col("severity") == "error")["expectation"])
    # Errors of an article's own rows quarantine it; any other error fails the run.
    held = set() if quarantine is None else set(quarantine["expectation"])
    if errors - held:
        verdict = "Failed"
    elif errors:
        verdict = "Articles quarantined"
    else:
        verdict = "Passed with warnings" if failed.height else "Passed"
    carried = int(flags["carried"].sum()) if flags.height else 0
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>Run name (Prefect flow run id): <code>{escape(run_id)}</code>, checked at {checked_at:%Y-%m-%d %H:%M:%S}."
        f" <a href='index.html'>All runs</a> · <a href='../index.html'>Great Expectations Data Docs</a></p>",
        f"<p><strong>{verdict}</strong>: {results.height - failed.height} of {results.height} expectations passed;"
        f" {flags.height} row flags, {carried} carried over from rows validated before and unchanged.</p>",
        _gx_links(gx_pages),
        *_quarantined(quarantine),
        "<h2>Expectations</h2>",
        _table(
            results.sort("success", "table_name", "expectation").select(
                "table_name", "expectation", "rule", "severity", "success", "unexpected_count", "observed_value", "note"
            ),
            row_class=lambda row: "passed" if row["success"] else "failed",
        ),
        "<h2>Failing rows</h2>",
        _more(flags.height, run_id),
        _table(
            flags.head(MAX_ROWS).select(
                "table_name",
                "row_key",
                "surface",
                "expectation",
                "severity",
                "quality_status",
                "carried",
                "message",
                "suggested_value",
                "suggested_unit",
            ),
            row_class=lambda row: "carried" if row["carried"] else "",
        )
        if flags.height
        else "<p>No row is flagged.</p>",
    ]
    return _html(title, parts)


def _quarantined(quarantine: pl.DataFrame | None) -> list[str]:
    if quarantine is None or quarantine.is_empty():
        return []
    articles = quarantine["article_id"].n_unique()
    return [
        "<h2>Quarantined articles</h2>",
        f"<p>{articles} article(s) failed an error check of their own: not published, their rows kept in the"
        " warehouse (<code>quality.quarantine</code>).</p>",
        _table(
            quarantine.select("source_path", "article_id", "title", "expectation", "failing_rows", "reason"),
            row_class=lambda row: "failed",
        ),
    ]


def index_page(history: pl.DataFrame) -> str:
    """Every validation kept, newest first, each linking to its page."""
    title = "newsfacts data quality: runs"
    linked = history.with_columns(run_id=pl.format("<a href='runs/{}.html'>{}</a>", pl.col("run_id"), pl.col("run_id")))
    parts = [
        f"<h1>{escape(title)}</h1>",
        "<p>The newest run's page is the warehouse's quality state now. "
        "<a href='../index.html'>Great Expectations Data Docs</a> show the rows each run validated.</p>",
        _table(linked, row_class=lambda row: "failed" if row["expectations_failed"] else "passed", raw={"run_id"}),
    ]
    return _html(title, parts)


def gx_pages(docs_dir: Path, run_id: str) -> list[str]:
    """Great Expectations' validation pages of run `run_id` (named by it), relative to `docs_dir`."""
    return sorted(path.relative_to(docs_dir).as_posix() for path in docs_dir.glob(f"validations/*/{run_id}/*/*.html"))


def _gx_links(pages: list[str]) -> str:
    if not pages:
        return ""
    links = " · ".join(f"<a href='../../{escape(page)}'>{escape(page.split('/')[1])}</a>" for page in pages)
    return f"<p>Great Expectations' pages of the rows this run validated: {links}</p>"


def _more(rows: int, run_id: str) -> str:
    if rows <= MAX_ROWS:
        return ""
    return (
        f'<p>The {MAX_ROWS:,} worst of {rows:,} flagged rows; all of them: <code>newsfacts query "select * from'
        f" quality.dq_row_flags where run_id = '{escape(run_id)}'\"</code></p>"
    )


def write_pages(docs_dir: Path, run_id: str, page: str, index: str) -> Path:
    """Write a run's page and the index under `docs_dir/quality/`; returns the run's page."""
    folder = docs_dir / FOLDER
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    path = folder / "runs" / f"{run_id}.html"
    _write(path, page)
    _write(folder / "index.html", index)
    return path


def _write(path: Path, text: str) -> None:
    # A reader never sees half a page.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _table(frame: pl.DataFrame, row_class, raw: set[str] = frozenset()) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in frame.columns)
    rows = []
    for row in frame.iter_rows(named=True):
        cells = "".join(
            f"<td>{value if column in raw else escape('' if value is None else str(value))}</td>"
            for column, value in row.items()
        )
        rows.append(f"<tr class='{row_class(row)}'>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _html(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
