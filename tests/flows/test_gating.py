"""Publishing gated per article: a file failing checks of its own is quarantined, a systemic failure publishes nothing.

One landing folder for the module, its runs in order: `newsfacts run` on the seeds and a title-only file, then a
broken model, then a batch with too many title-only files. The test articles are made up.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import SEEDS
from tests.flows.test_concurrency import NEWSFACTS

# A scraper that kept only the headline: a title (with a figure in it) and no body.
TITLE_ONLY = "Dak Nong farmers plant 500 ha of new coffee this season\n"
# A made-up article that passes every check: new input, so that a later run validates again.
GOOD = (
    "Lam Dong opens its first orchid fair\n"
    "The fair in Da Lat City gathered 120 growers from the province, the organizers said.\n"
)


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gating")
    landing = root / "landing"
    shutil.copytree(SEEDS, landing)
    (landing / "900_title_only.txt").write_text(TITLE_ONLY, encoding="utf-8")
    return {
        "source": landing,
        "warehouse": root / "wh" / "newsfacts.duckdb",
        "publish_dir": root / "published",
        "data_docs": root / "data_docs",
    }


@pytest.fixture(scope="module")
def cli_run(layout) -> subprocess.CompletedProcess:
    """`newsfacts run` as a user types it, on its own embedded Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFACTS_"))}
    env.update(
        PREFECT_HOME=str(layout["source"].parent / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        NEWSFACTS_SOURCE=str(layout["source"]),
        NEWSFACTS_WAREHOUSE=str(layout["warehouse"]),
        NEWSFACTS_PUBLISH_DIR=str(layout["publish_dir"]),
        NEWSFACTS_DATA_DOCS_DIR=str(layout["data_docs"]),
        COLUMNS="250",
    )
    return subprocess.run(
        [NEWSFACTS, "run"], env=env, cwd=layout["source"].parent, capture_output=True, text=True, timeout=600
    )


def _table(path: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql, params=params).pl()
    finally:
        con.close()


def _published(layout: dict[str, Path], table: str) -> pl.DataFrame:
    current = layout["publish_dir"] / "current" / table
    return duckdb.sql(f"select * from read_parquet('{current}/**/*.parquet', hive_partitioning = true)").pl()


def _held_article(layout: dict[str, Path]) -> str:
    articles = _table(layout["warehouse"], "select article_id from marts.dim_articles where source_path like '900_%'")
    assert articles.height == 1
    return articles["article_id"][0]


def _state(publish_dir: Path) -> tuple:
    """What a reader of the publication sees: `current`, the manifest and every published file's bytes."""
    files = {
        str(p.relative_to(publish_dir)): p.read_bytes() for p in sorted((publish_dir / "current").rglob("*.parquet"))
    }
    return os.readlink(publish_dir / "current"), (publish_dir / "manifest.json").read_text(encoding="utf-8"), files


def test_one_title_only_file_is_quarantined_and_the_others_publish(cli_run, layout):
    output = cli_run.stdout + cli_run.stderr
    assert cli_run.returncode == 0, output
    assert re.search(r"articles quarantined.*│\s+1 ", output), output
    assert "900_title_only.txt" in output
    assert "newsfacts run: completed" in output
    published = _published(layout, "dim_articles")
    assert published.height == 5 and "900_title_only.txt" not in published["source_path"].to_list()


def test_the_quarantine_table_names_the_file_and_why(cli_run, layout):
    quarantine = _table(layout["warehouse"], "select * from quality.quarantine")
    assert quarantine.height == 1
    row = quarantine.row(0, named=True)
    assert row["source_path"] == "900_title_only.txt" and row["article_id"] == _held_article(layout)
    assert row["expectation"] == "article has a body" and row["failing_rows"] == 1
    assert "has no body text" in row["reason"] and row["run_id"] and row["quarantined_at"]
    runs = _table(layout["warehouse"], "select status, summary from raw.runs")
    summary = json.loads(runs["summary"][0])
    assert runs["status"][0] == "completed"
    assert summary["articles_quarantined"] == 1 and summary["quarantined_files"] == ["900_title_only.txt"]


def test_its_facts_stay_in_the_warehouse_and_are_in_no_published_file(cli_run, layout):
    held = _held_article(layout)
    kept = _table(layout["warehouse"], "select surface from marts.fct_quantities where article_id = ?", [held])
    assert kept["surface"].to_list() == ["500 ha"]
    manifest = json.loads((layout["publish_dir"] / "manifest.json").read_text(encoding="utf-8"))
    for table in ("dim_articles", "fct_quantities", "fct_person_roles", "fct_document_refs", "fct_events", "documents"):
        assert held not in _published(layout, table)["article_id"].to_list(), table
    # The others are all there.
    warehouse = _table(
        layout["warehouse"], "select count(*) as n from marts.fct_quantities where article_id != ?", [held]
    )
    assert (
        manifest["tables"]["fct_quantities"]["rows"] == warehouse["n"][0] == _published(layout, "fct_quantities").height
    )
    assert [a["article_id"] for a in manifest["quarantined"]] == [held]
    assert manifest["quarantined"][0]["source_path"] == "900_title_only.txt"
    assert manifest["quarantined"][0]["expectations"] == ["article has a body"]


def test_the_data_docs_list_the_quarantined_file(cli_run, layout):
    run_id = _table(layout["warehouse"], "select run_id from raw.runs")["run_id"][0]
    page = (layout["data_docs"] / "quality" / "runs" / f"{run_id}.html").read_text(encoding="utf-8")
    assert "<strong>Articles quarantined</strong>" in page
    assert "Quarantined articles" in page and "900_title_only.txt" in page


def test_a_broken_model_still_blocks_and_the_last_publication_stays(cli_run, prefect_api, layout, monkeypatch):
    from flows.pipeline import QualityGateFailed, newsfacts_pipeline
    from warehouse import models

    before = _state(layout["publish_dir"])
    (layout["source"] / "901_good.txt").write_text(GOOD, encoding="utf-8")
    model_sql = models.model_sql

    def duplicated_people(name: str) -> str:
        # A model that breaks the grain of dim_people: one person twice.
        sql = model_sql(name)
        return f"({sql}) union all (select * from ({sql}) as people limit 1)" if name == "dim_people" else sql

    monkeypatch.setattr(models, "model_sql", duplicated_people)

    with pytest.raises(QualityGateFailed, match="dim_people key is unique"):
        newsfacts_pipeline(**{k: v for k, v in layout.items() if k != "data_docs"})

    assert _state(layout["publish_dir"]) == before
    status = _table(layout["warehouse"], "select status from raw.runs order by finished_at desc limit 1")
    assert status["status"][0] == "failed: quality gate"


def test_too_many_quarantined_articles_refuse_the_run(cli_run, prefect_api, layout):
    from flows.pipeline import QualityGateFailed, newsfacts_pipeline

    before = _state(layout["publish_dir"])
    # Three title-only files among nine articles (the seeds, 900-903): 33 %, more than the 20 % allowed.
    for n, place in ((902, "Gia Lai"), (903, "Kon Tum")):
        (layout["source"] / f"{n}_title_only.txt").write_text(f"{place} builds 3 new schools\n", encoding="utf-8")

    with pytest.raises(QualityGateFailed, match=r"3 of 9 articles \(33%\) fail checks of their own"):
        newsfacts_pipeline(**{k: v for k, v in layout.items() if k != "data_docs"})

    assert _state(layout["publish_dir"]) == before
    last = _table(layout["warehouse"], "select run_id, status from raw.runs order by finished_at desc limit 1")
    assert last["status"][0] == "failed: quality gate"
    held = _table(
        layout["warehouse"], "select source_path from quality.quarantine where run_id = ?", [last["run_id"][0]]
    )
    assert sorted(held["source_path"]) == ["900_title_only.txt", "902_title_only.txt", "903_title_only.txt"]


def test_fixed_files_publish_and_an_unchanged_bad_one_stays_quarantined(cli_run, prefect_api, layout):
    from flows.pipeline import newsfacts_pipeline

    for n, place in ((902, "Gia Lai"), (903, "Kon Tum")):
        (layout["source"] / f"{n}_title_only.txt").write_text(
            f"{place} builds 3 new schools\nThe schools in {place} province will open in September, officials said.\n",
            encoding="utf-8",
        )

    summary = newsfacts_pipeline(**{k: v for k, v in layout.items() if k != "data_docs"})

    # 900 did not change: its flag is carried over and it stays held back, 1 of 9 articles.
    assert summary["status"] == "completed" and summary["articles_rebuilt"] != "all"
    assert summary["articles_quarantined"] == 1 and summary["quarantined_files"] == ["900_title_only.txt"]
    published = sorted(_published(layout, "dim_articles")["source_path"])
    assert published[-3:] == ["901_good.txt", "902_title_only.txt", "903_title_only.txt"] and len(published) == 8
    manifest = json.loads((layout["publish_dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert [a["source_path"] for a in manifest["quarantined"]] == ["900_title_only.txt"]
