"""The whole pipeline on the seed articles, through a real Prefect API, read back from DuckDB and Parquet."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import SEEDS
from tests.snapshot import frame_diff, read_snapshot, snapshot, write_snapshot

MARTS = ("dim_articles", "fct_quantities", "dim_people", "fct_person_roles", "fct_document_refs", "fct_events")


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """A landing folder with the five seed articles, and where the warehouse and Parquet go."""
    root = tmp_path_factory.mktemp("pipeline")
    landing = root / "landing"
    shutil.copytree(SEEDS, landing)
    return {"source": landing, "warehouse": root / "wh" / "newsfacts.duckdb", "publish_dir": root / "published"}


@pytest.fixture(scope="module")
def first_run_and_snapshot(prefect_api, layout):
    """The first run's summary, and what it left (tests/snapshot.py) before later tests change the landing folder."""
    from flows.pipeline import newsfacts_pipeline

    summary = newsfacts_pipeline(**layout)
    return summary, snapshot(layout["warehouse"], layout["publish_dir"])


@pytest.fixture(scope="module")
def first_run(first_run_and_snapshot):
    return first_run_and_snapshot[0]


def _table(path: Path, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def test_first_run_fills_every_table(first_run, layout):
    assert first_run["status"] == "completed"
    assert first_run["documents_new"] == 5
    assert first_run["documents_rejected"] == 0
    assert first_run["articles_rebuilt"] == "all"  # no marts yet: built from scratch
    for mart in MARTS:
        assert first_run["marts"][mart] > 0, mart
    counts = _table(
        layout["warehouse"],
        "select (select count(*) from raw.documents) as docs, (select count(*) from quality.dq_results) as results",
    )
    assert counts.row(0) == (5, first_run["expectations_passed"] + first_run["expectations_failed"])


def test_offsets_reproduce_every_surface(first_run, layout):
    mismatches = _table(
        layout["warehouse"],
        """
        select q.fact_id from marts.fct_quantities q join raw.documents d using (doc_id)
        where substr(d.text, q.char_start + 1, q.char_end - q.char_start) != q.surface
    """,
    )
    assert mismatches.height == 0


def test_unit_slip_is_flagged_with_a_correction_and_other_facts_stay_ok(first_run, layout):
    facts = _table(
        layout["warehouse"],
        "select surface, quality_status, quality_note, suggested_value, suggested_unit from marts.fct_quantities",
    )
    slip = facts.filter(pl.col("surface") == "2,717 m2").row(0, named=True)
    assert slip["quality_status"] == "implausible"
    assert "not a possible area for a province" in slip["quality_note"]
    assert "Binh Duong" in slip["quality_note"]
    assert (slip["suggested_value"], slip["suggested_unit"]) == (2717.0, "km2")
    # No false flags on the clean seed facts.
    assert facts.filter(pl.col("quality_status") != "ok")["surface"].to_list() == ["2,717 m2"]
    flags = _table(layout["warehouse"], "select * from quality.dq_row_flags where table_name = 'fct_quantities'")
    # Implausible for a province, and far below the gazetteer's area (its year, 1997, carried from the
    # sentence before): two rules, one fact.
    assert sorted(flags["rule"].to_list()) == ["magnitude", "reference"] and flags["row_key"].n_unique() == 1


def test_published_parquet_reads_back_unchanged(first_run, layout):
    published = layout["publish_dir"]
    manifest = json.loads((published / "manifest.json").read_text())
    assert manifest["run_id"] and manifest["tables"]["fct_quantities"]["rows"] == first_run["marts"]["fct_quantities"]
    for mart in MARTS:
        expected = _table(layout["warehouse"], f"select * from marts.{mart}").sort(pl.all())
        keys = manifest["tables"][mart]["partitioning"]
        files = str(published / "current" / mart / "**" / "*.parquet")
        by_duckdb = duckdb.sql(f"select * from read_parquet('{files}', hive_partitioning = true)").pl()
        by_polars = pl.read_parquet(files, hive_partitioning=True)
        for read in (by_duckdb, by_polars):
            assert read.columns == [*expected.columns, *keys]
            assert_frame_equal(read.drop(keys).sort(pl.all()), expected)
        assert manifest["tables"][mart]["rows"] == expected.height
    articles = duckdb.sql(
        f"select * from read_parquet('{published}/current/dim_articles/**/*.parquet', hive_partitioning = true)"
    ).pl()
    misplaced = articles.filter(
        pl.col("province").ne_missing(pl.col("place_id")) | pl.col("year").ne_missing(pl.col("published_at").dt.year())
    )
    assert misplaced.height == 0


def test_published_files_alone_reproduce_every_surface(first_run, layout):
    current = layout["publish_dir"] / "current"

    def read(name: str) -> str:
        return f"read_parquet('{current / name}/**/*.parquet', hive_partitioning = true)"

    reader = duckdb.connect()
    documents = reader.sql(f"select * from {read('documents')}").pl()
    assert documents.height == first_run["marts"]["dim_articles"]
    assert documents.filter(pl.col("text_sha256") != pl.col("text").map_elements(_sha256, pl.String)).height == 0
    # Facts join their document on doc_id where they have one, on article_id otherwise; events span their date.
    for mart, key, surface in [
        ("fct_quantities", "doc_id", "surface"),
        ("fct_person_roles", "article_id", "surface"),
        ("fct_document_refs", "article_id", "surface"),
        ("fct_events", "article_id", "date_text"),
    ]:
        rows = reader.sql(
            f"select f.{surface} as surface, substr(d.text, f.char_start + 1, f.char_end - f.char_start) as at_span"
            f" from {read(mart)} as f inner join {read('documents')} as d on f.{key} = d.{key}"
        ).pl()
        facts = reader.execute(f"select count(*) from {read(mart)}").fetchall()[0][0]
        assert rows.height == facts > 0, mart
        assert rows.filter(pl.col("surface") != pl.col("at_span")).height == 0, mart


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_second_run_changes_nothing(first_run, layout):
    from flows.pipeline import newsfacts_pipeline

    before = _table(layout["warehouse"], "select * exclude (quality_note) from marts.fct_quantities order by fact_id")
    again = newsfacts_pipeline(**layout)
    assert again["documents_unchanged"] == 5
    assert again["documents_new"] == again["documents_changed"] == again["documents_extracted"] == 0
    # Nothing to rebuild, validate or publish: the last run's results stand.
    assert again["unchanged_since"] and again["published_files"] == 0 and again["articles_rebuilt"] == 0
    assert again["marts"] == first_run["marts"]
    after = _table(layout["warehouse"], "select * exclude (quality_note) from marts.fct_quantities order by fact_id")
    assert_frame_equal(before, after)


def test_changed_file_is_the_only_one_reprocessed(first_run, layout):
    from flows.pipeline import newsfacts_pipeline

    path = layout["source"] / "002_20242fb28684d17e.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("3,800 party members", "3,900 party members"), encoding="utf-8"
    )
    summary = newsfacts_pipeline(**layout)
    assert summary["documents_changed"] == 1
    assert summary["documents_extracted"] == 1
    # A new content is a new article: the old one's rows go, the new one's come; no other article is rebuilt.
    assert summary["articles_rebuilt"] == 2
    surfaces = _table(layout["warehouse"], "select surface from marts.fct_quantities")["surface"].to_list()
    assert "3,900 party members" in surfaces and "3,800 party members" not in surfaces
    history = _table(layout["warehouse"], "select count(*) as n from raw.documents")
    assert history["n"][0] == 6  # the old version stays in raw history


def test_seed_run_matches_its_snapshot(first_run_and_snapshot):
    # What users read after the seed run (marts, flags, outcomes, published files) is kept in
    # tests/data/seed_run/: refactoring must leave it identical; tests/snapshot.py says how to renew it.
    tables = first_run_and_snapshot[1]
    if os.environ.get("NEWSFACTS_UPDATE_SNAPSHOT") == "1":
        write_snapshot(tables)
    kept = read_snapshot()
    assert sorted(tables) == sorted(kept)
    changed = [name for name, frame in tables.items() if not frame.equals(kept[name])]
    for name in changed:
        print(f"{name}:\n{frame_diff(tables[name], kept[name])}")
    assert not changed, f"differs from tests/data/seed_run/ (rows printed above): {changed}"
