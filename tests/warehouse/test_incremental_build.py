"""An incremental build of marts and check tables gives exactly the rows a build from scratch gives."""

import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import REFERENCE, SEEDS
from tests.expectations.test_planted_errors import CONFLICTING_ARTICLE
from transforms.extract import EXTRACTOR_VERSION, collect_all, extract_documents
from transforms.reference import load_vocabulary
from warehouse import db, models, quality_io, staging_io
from warehouse.ingest import ingest_landing

START = datetime(2026, 11, 23, 12, 0)
VOCAB = load_vocabulary(REFERENCE)
DEBRIS = VOCAB.patterns("widget") + VOCAB.patterns("media") + VOCAB.patterns("cms_field")
AREA_SEED = "000_750f2edc30187d49.txt"
CONFLICT_SEED = "003_e632ea0e1a981b2d.txt"


def _run(warehouse: Path, landing: Path, now: datetime, *, incremental: bool) -> models.MartBuild:
    """ingest → extract → staging → marts → check tables, as the pipeline sequences them."""
    work = db.begin_build(warehouse, now.isoformat())
    con = db.connect(work)
    try:
        ingest_landing(con, landing, run_id=now.isoformat(), now=now, max_bytes=10_000_000)
        models.load_reference(con, REFERENCE)
        staging_io.prune_staging(con)
        doc_ids = staging_io.documents_to_extract(con, EXTRACTOR_VERSION, full_refresh=False)
        if doc_ids:
            docs = pl.from_arrow(staging_io.fetch_documents(con, doc_ids))
            frames = collect_all(extract_documents(docs.lazy(), VOCAB))
            staging_io.load_staging(con, frames, doc_ids, version=EXTRACTOR_VERSION, now=now)
        built = models.build_marts(con, incremental=incremental)
        quality_io.build_check_tables(con, DEBRIS, built.changed_articles)
    finally:
        con.close()
    db.commit_build(work, warehouse)
    return built


def _tables(path: Path) -> dict[str, pl.DataFrame]:
    """Every mart and check table, rows sorted (row order is not part of a table)."""
    # to_validate says what the next validation reads, not what the row is.
    queries = {f"marts.{m}": f"select * from marts.{m}" for m in models.MART_ORDER} | {
        f"quality.{c}": f"select * exclude (to_validate) from quality.{c}" for c in quality_io.CHECK_TABLES
    }
    con = db.connect_read_only(path)
    try:
        frames = {name: con.sql(query).pl() for name, query in queries.items()}
    finally:
        con.close()
    return {name: frame.sort(frame.columns, nulls_last=True) for name, frame in frames.items()}


def _from_scratch(path: Path, tmp_path: Path) -> dict[str, pl.DataFrame]:
    """The tables a full build gives from the same staging rows, on a copy."""
    copy = tmp_path / "scratch.duckdb"
    shutil.copyfile(path, copy)
    con = db.connect(copy)
    try:
        built = models.build_marts(con)
        quality_io.build_check_tables(con, DEBRIS, built.changed_articles)
    finally:
        con.close()
    return _tables(copy)


def _add_conflict(landing: Path) -> None:
    (landing / "005_conflict.txt").write_text(CONFLICTING_ARTICLE, encoding="utf-8")


def _remove_conflict(landing: Path) -> None:
    (landing / "005_conflict.txt").unlink()


def _revise_numbers(landing: Path) -> None:
    path = landing / AREA_SEED
    path.write_text(re.sub(r"2,717", "2,718", path.read_text(encoding="utf-8")), encoding="utf-8")


def _copy(landing: Path) -> None:
    shutil.copyfile(landing / CONFLICT_SEED, landing / "003_copy.txt")


def _rescrape(landing: Path) -> None:
    text = (landing / CONFLICT_SEED).read_text(encoding="utf-8")
    (landing / "003_rescraped.txt").write_text(text + "\nManage Permissions\n", encoding="utf-8")


def _delete_original(landing: Path) -> None:
    (landing / CONFLICT_SEED).unlink()


def _delete_all_copies(landing: Path) -> None:
    for name in ("003_copy.txt", "003_rescraped.txt"):
        (landing / name).unlink()


def _delete_everything(landing: Path) -> None:
    for path in landing.iterdir():
        path.unlink()


# Each step changes the landing folder; the articles it changes are new, gone or re-sourced.
STEPS: list[tuple[str, Callable[[Path], None], int]] = [
    # A new article contradicting an unchanged one: the old article's check rows change, its marts do not.
    ("a conflicting article arrives", _add_conflict, 1),
    ("the conflicting article goes", _remove_conflict, 1),
    # A new content is a new document and a new article; the old article goes.
    ("an article's figures are revised", _revise_numbers, 2),
    # A second file of one content: more sources of the document.
    ("an article's file gets a copy", _copy, 1),
    # The same article scraped again with CMS debris: more documents of the article.
    ("an article is scraped again", _rescrape, 1),
    # The article keeps the rescrape: its chosen document changes, and so do its fact ids.
    ("the original file of an article goes", _delete_original, 1),
    ("the article's last files go", _delete_all_copies, 1),
    # An empty landing folder: the four articles left go, and nothing is left to conflict with.
    ("every file goes", _delete_everything, 4),
]


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> list[tuple[str, models.MartBuild, dict, dict]]:
    """The steps run one after another, each built incrementally and compared with a build from scratch."""
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    shutil.copytree(SEEDS, landing)
    warehouse = root / "newsfacts.duckdb"
    # A warehouse without marts is built from scratch, incremental or not.
    assert _run(warehouse, landing, START, incremental=True).changed_articles is None
    outcomes = []
    for number, (label, change, _) in enumerate(STEPS, start=1):
        change(landing)
        built = _run(warehouse, landing, START + timedelta(hours=number), incremental=True)
        scratch = _from_scratch(warehouse, tmp_path_factory.mktemp("scratch"))
        outcomes.append((label, built, _tables(warehouse), scratch))
    return outcomes


@pytest.mark.parametrize("step", range(len(STEPS)), ids=[label for label, _, _ in STEPS])
def test_an_incremental_build_gives_the_rows_of_a_build_from_scratch(history, step):
    label, _, incremental, scratch = history[step]
    assert set(incremental) == set(scratch)
    for name, frame in scratch.items():
        assert incremental[name].equals(frame), f"{label}: {name} differs from a build from scratch"


@pytest.mark.parametrize("step", range(len(STEPS)), ids=[label for label, _, _ in STEPS])
def test_an_incremental_build_replaces_only_the_articles_that_changed(history, step):
    label, built, _, _ = history[step]
    assert built.changed_articles is not None
    assert len(built.changed_articles) == STEPS[step][2], label


def test_a_conflict_with_an_unchanged_article_is_found_and_cleared(history):
    _, _, added, _ = history[0]
    _, _, removed, _ = history[1]
    conflicts = added["quality.chk_quantities"].filter(pl.col("conflict_article_id").is_not_null())
    assert "68,358 billion VND" in conflicts["surface"].to_list()
    assert removed["quality.chk_quantities"]["conflict_article_id"].is_null().all()
