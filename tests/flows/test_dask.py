"""The transform stage on a local Dask cluster of two workers gives the same marts as the default runner."""

import shutil

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import SEEDS

# Columns that name the run or the time rather than the data.
FACTS = "select * exclude (quality_note) from marts.fct_quantities order by fact_id"
PEOPLE = "select * from marts.fct_person_roles order by role_id"


def _run(tmp_path, name: str) -> dict[str, pl.DataFrame]:
    from flows.pipeline import newsfacts_pipeline

    root = tmp_path / name
    shutil.copytree(SEEDS, root / "landing")
    warehouse = root / "newsfacts.duckdb"
    newsfacts_pipeline(source=root / "landing", warehouse=warehouse, publish_dir=root / "published")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {"facts": con.sql(FACTS).pl(), "people": con.sql(PEOPLE).pl()}
    finally:
        con.close()


@pytest.mark.slow
def test_dask_runner_gives_the_same_marts(prefect_api, tmp_path, monkeypatch):
    threads = _run(tmp_path, "threads")
    monkeypatch.setenv("NEWSFACTS_TASK_RUNNER", "dask")
    monkeypatch.setenv("NEWSFACTS_DASK_WORKERS", "2")
    # Small batches so that both workers get some.
    monkeypatch.setenv("NEWSFACTS_BATCH_DOCS", "2")
    dask = _run(tmp_path, "dask")
    assert threads["facts"].height > 0
    assert_frame_equal(threads["facts"], dask["facts"])
    assert_frame_equal(threads["people"], dask["people"])
