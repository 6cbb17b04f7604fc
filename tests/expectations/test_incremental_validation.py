"""Validating only what changed gives the same flags as validating everything."""

import shutil
import uuid
from datetime import date, datetime

import duckdb
import polars as pl
import pytest
from prefect import flow

from tests.conftest import REFERENCE, SEEDS
from tests.expectations.test_planted_errors import CONFLICTING_ARTICLE

FLAG_COLUMNS = ["fact_id", "quality_status", "quality_note", "suggested_value", "suggested_unit"]


def _read(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def _flags(warehouse) -> pl.DataFrame:
    return _read(warehouse, f"select {', '.join(FLAG_COLUMNS)} from marts.fct_quantities order by fact_id")


def _last_validation(warehouse) -> dict:
    return _read(warehouse, "select * from quality.validations order by validated_at desc limit 1").row(0, named=True)


def _full_validation(warehouse, tmp_path) -> pl.DataFrame:
    """The flags a validation of every row gives on a copy of the warehouse."""
    from flows.pipeline import newsfacts_check

    copy = tmp_path / "full.duckdb"
    shutil.copyfile(warehouse, copy)
    newsfacts_check(warehouse=copy)
    assert _last_validation(copy)["scope"] == "all"
    return _flags(copy)


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing"
    shutil.copytree(SEEDS, folder)
    return folder


def test_a_new_article_is_validated_alone_and_flags_match_a_full_validation(
    prefect_api, landing, tmp_path, monkeypatch
):
    from flows.pipeline import newsfacts_pipeline

    docs = tmp_path / "data_docs"
    monkeypatch.setenv("NEWSFACTS_DATA_DOCS_DIR", str(docs))
    layout = {"source": landing, "warehouse": tmp_path / "w.duckdb", "publish_dir": tmp_path / "published"}
    newsfacts_pipeline(**layout)
    first = _last_validation(layout["warehouse"])
    assert first["scope"] == "all" and first["rows_validated"] == first["rows_total"]

    # A second article contradicting an unchanged one: its rows and the old conflicting fact are read again.
    (landing / "005_conflict.txt").write_text(CONFLICTING_ARTICLE, encoding="utf-8")
    summary = newsfacts_pipeline(**layout)
    second = _last_validation(layout["warehouse"])
    assert second["scope"] == "changed"
    assert 0 < second["rows_validated"] < second["rows_total"] / 4
    assert summary["check_rows_validated"] == second["rows_validated"]
    # The seed's own "2,717 m2" flag was not validated again: it is carried over, explanation included.
    assert second["flags_carried"] >= 1
    flags = _flags(layout["warehouse"])
    facts = _read(layout["warehouse"], "select fact_id, surface from marts.fct_quantities")
    by_surface = dict(zip(facts["surface"], facts["fact_id"], strict=False))
    area = flags.filter(pl.col("fact_id") == by_surface["2,717 m2"]).row(0, named=True)
    assert area["quality_status"] == "implausible" and area["suggested_unit"] == "km2"
    old_side = flags.filter(pl.col("fact_id") == by_surface["68,358 billion VND"]).row(0, named=True)
    assert old_side["quality_status"] == "warning" and "disagrees" in old_side["quality_note"]
    _assert_data_docs_show_the_warehouse_state(docs, layout["warehouse"], by_surface["2,717 m2"])
    assert flags.equals(_full_validation(layout["warehouse"], tmp_path))

    # Taking the contradiction away clears the unchanged article's conflict flag again.
    (landing / "005_conflict.txt").unlink()
    newsfacts_pipeline(**layout)
    flags = _flags(layout["warehouse"])
    assert flags.filter(pl.col("fact_id") == by_surface["68,358 billion VND"])["quality_status"].to_list() == ["ok"]
    assert flags.equals(_full_validation(layout["warehouse"], tmp_path))


def _assert_data_docs_show_the_warehouse_state(docs, warehouse, area_fact_id: str) -> None:
    """The last run's Data Docs: the carried-over area flag named by key and surface, history of both runs, a link."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    runs = _read(warehouse, "select run_id from quality.validations order by validated_at")["run_id"].to_list()
    assert len(runs) == 2
    page = (docs / "quality" / "runs" / f"{runs[1]}.html").read_text(encoding="utf-8")
    assert f"run {runs[1]}" in page and "Passed with warnings" in page and "Succeeded" not in page
    # The unchanged area fact was not read by GX in this run; its flag is shown, marked as carried.
    row = next(line for line in page.split("<tr") if area_fact_id in line)
    assert "2,717 m2" in row and "area of a province is plausible" in row and "carried" in row
    index = (docs / "quality" / "index.html").read_text(encoding="utf-8")
    assert all(f"runs/{run}.html" in index for run in runs)
    assert (docs / "quality" / "runs" / f"{runs[0]}.html").exists()
    # GX's own pages carry the Prefect run id as their run name, and the run's page links them.
    gx = [path for path in (docs / "validations").rglob("*.html") if runs[1] in path.parts]
    assert gx and all(f"../../{path.relative_to(docs).as_posix()}" in page for path in gx)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[uuid.UUID(runs[1])]))
        )
    links = [a for a in artifacts if a.key == "newsfacts-data-docs"]
    assert links and f"runs/{runs[1]}.html" in links[0].data


def test_a_new_check_day_validates_again_what_a_date_bound_flagged(prefect_api, landing, tmp_path):
    """On a later day, an article once "in the future" is checked again though it did not change."""
    from flows.pipeline import newsfacts_pipeline
    from flows.validate import run_suites

    warehouse = tmp_path / "w.duckdb"
    newsfacts_pipeline(source=landing, warehouse=warehouse, publish_dir=tmp_path / "published")

    @flow
    def validate(as_of: date, fingerprint: str | None):
        return run_suites(warehouse, f"check-{as_of}", datetime.now(), as_of, None, fingerprint)

    # Seen from 2020, every dated seed article lies in the future.
    validate(date(2020, 1, 1), "same inputs")
    assert _last_validation(warehouse)["scope"] == "all"
    future = _read(
        warehouse,
        "select count(*) as n from quality.dq_row_flags where run_id = 'check-2020-01-01' "
        "and expectation = 'not published in the future'",
    )["n"][0]
    assert future > 0
    validate(date(2020, 1, 1), "same inputs")
    assert _last_validation(warehouse)["rows_validated"] == 0
    # The next day with the same inputs: only the rows a date bound flagged are read again, and they pass now.
    outcome = validate(date.today(), "same inputs")
    state = _last_validation(warehouse)
    assert state["scope"] == "changed" and 0 < state["rows_validated"] < state["rows_total"]
    flags = _read(warehouse, f"select * from quality.dq_row_flags where run_id = 'check-{date.today()}'")
    assert "not published in the future" not in set(flags["expectation"])
    assert outcome.rows_validated == state["rows_validated"]


def test_after_a_full_refresh_or_a_check_the_next_run_reads_only_what_changed(prefect_api, landing, tmp_path):
    from flows.pipeline import newsfacts_check, newsfacts_pipeline

    layout = {"source": landing, "warehouse": tmp_path / "w.duckdb", "publish_dir": tmp_path / "published"}
    assert newsfacts_pipeline(**layout, full_refresh=True)["articles_rebuilt"] == "all"
    assert _last_validation(layout["warehouse"])["scope"] == "all"
    newsfacts_check(warehouse=layout["warehouse"])
    assert _last_validation(layout["warehouse"])["scope"] == "all"
    (landing / "005_conflict.txt").write_text(CONFLICTING_ARTICLE, encoding="utf-8")
    # The check recorded its inputs fingerprint: the marts it rebuilt are built on incrementally.
    assert newsfacts_pipeline(**layout)["articles_rebuilt"] == 1
    state = _last_validation(layout["warehouse"])
    assert state["scope"] == "changed" and state["rows_validated"] < state["rows_total"] / 4


def test_changed_reference_tables_rebuild_every_article(prefect_api, landing, tmp_path, monkeypatch):
    from flows.pipeline import newsfacts_pipeline

    layout = {"source": landing, "warehouse": tmp_path / "w.duckdb", "publish_dir": tmp_path / "published"}
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    monkeypatch.setenv("NEWSFACTS_REFERENCE_DIR", str(reference))
    newsfacts_pipeline(**layout)
    # Any edit of a reference table (here one more line) can change rows of articles whose documents did not.
    tolerances = reference / "conflict_tolerances.csv"
    tolerances.write_text(tolerances.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (landing / "005_conflict.txt").write_text(CONFLICTING_ARTICLE, encoding="utf-8")
    summary = newsfacts_pipeline(**layout)
    assert summary["articles_rebuilt"] == "all"
    assert _last_validation(layout["warehouse"])["scope"] == "all"
