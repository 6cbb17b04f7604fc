"""The quality pages of a run: verdicts that count carried-over failures, flagged rows named, long lists cut."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from expectations import docs

RESULTS = pl.DataFrame(
    {
        "table_name": ["fct_quantities", "fct_quantities"],
        "expectation": ["area of a province is plausible", "fact_id is unique"],
        "rule": ["magnitude", "structure"],
        "severity": ["warning", "error"],
        "success": [False, True],
        "unexpected_count": [1, 0],
        "observed_value": ["1 rows unexpected: 0 of 3 rows validated now, 1 unchanged rows flagged before", "0"],
        "note": ["areas of provinces", "one row per fact"],
    }
)


def _flags(rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "table_name": ["fct_quantities"] * rows,
            "row_key": [f"k{i}" for i in range(rows)],
            "surface": ["2,717 m2 <b>"] * rows,
            "expectation": ["area of a province is plausible"] * rows,
            "severity": ["warning"] * rows,
            "quality_status": ["implausible"] * rows,
            "carried": [True] * rows,
            "message": ["not a possible area"] * rows,
            "suggested_value": [2717.0] * rows,
            "suggested_unit": ["km2"] * rows,
        }
    )


def test_a_carried_failure_is_not_a_pass() -> None:
    page = docs.run_page("run-2", datetime(2024, 3, 1), RESULTS, _flags(1))

    assert "Passed with warnings</strong>: 1 of 2 expectations passed; 1 row flags, 1 carried over" in page
    row = next(line for line in page.split("<tr") if "k0" in line)
    # Named by key and surface, escaped, marked as carried.
    assert "class='carried'" in row and "2,717 m2 &lt;b&gt;" in row and "not a possible area" in row


@pytest.mark.parametrize(
    ("severity", "verdict"),
    [("error", "Failed"), ("warning", "Passed with warnings")],  # only severity error fails the gate
)
def test_the_verdict_follows_severity(severity: str, verdict: str) -> None:
    results = RESULTS.with_columns(severity=pl.lit(severity))

    assert f"<strong>{verdict}</strong>" in docs.run_page("r", datetime(2024, 3, 1), results, _flags(0))


def test_errors_of_an_article_s_own_rows_quarantine_it_and_the_page_lists_it() -> None:
    results = RESULTS.with_columns(
        expectation=pl.Series(["article has a body", "fact_id is unique"]), severity=pl.lit("error")
    )
    quarantine = pl.DataFrame(
        {
            "source_path": ["900_title_only.txt"],
            "article_id": ["a9"],
            "title": ["Made-up headline"],
            "expectation": ["article has a body"],
            "failing_rows": [1],
            "reason": ["article a9 (900_title_only.txt) has no body text"],
        }
    )

    page = docs.run_page("r", datetime(2024, 3, 1), results, _flags(0), quarantine=quarantine)

    assert "<strong>Articles quarantined</strong>" in page
    assert "<h2>Quarantined articles</h2>" in page and "900_title_only.txt" in page and "has no body text" in page
    # An error no quarantined article explains fails the run.
    failing = results.with_columns(success=pl.lit(False))
    assert "<strong>Failed</strong>" in docs.run_page(
        "r", datetime(2024, 3, 1), failing, _flags(0), quarantine=quarantine
    )


def test_a_long_list_of_flags_is_cut_and_says_where_the_rest_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs, "MAX_ROWS", 5)

    page = docs.run_page("run-9", datetime(2024, 3, 1), RESULTS, _flags(8))

    assert page.count("class='carried'") == 5
    assert "The 5 worst of 8 flagged rows" in page and "run_id = 'run-9'" in page


def test_pages_are_written_per_run_with_an_index(tmp_path) -> None:
    history = pl.DataFrame({"run_id": ["r2", "r1"], "expectations_failed": [1, 0]})
    for run in ("r1", "r2"):
        docs.write_pages(tmp_path, run, f"<p>{run}</p>", docs.index_page(history))

    assert sorted(p.name for p in (tmp_path / "quality" / "runs").iterdir()) == ["r1.html", "r2.html"]
    index = (tmp_path / "quality" / "index.html").read_text(encoding="utf-8")
    assert "<a href='runs/r2.html'>r2</a>" in index and "<a href='runs/r1.html'>r1</a>" in index


def test_the_run_page_links_great_expectations_pages_of_that_run(tmp_path) -> None:
    for run in ("r1", "r2"):
        page = tmp_path / "validations" / "fct_quantities" / run / "20240301T000000Z" / "newsfacts-chk_quantities.html"
        page.parent.mkdir(parents=True)
        page.write_text("gx", encoding="utf-8")

    pages = docs.gx_pages(tmp_path, "r1")
    html = docs.run_page("r1", datetime(2024, 3, 1), RESULTS, _flags(0), pages)

    assert pages == ["validations/fct_quantities/r1/20240301T000000Z/newsfacts-chk_quantities.html"]
    # From quality/runs/<run>.html, two folders up is the Data Docs folder.
    assert f"<a href='../../{pages[0]}'>fct_quantities</a>" in html
