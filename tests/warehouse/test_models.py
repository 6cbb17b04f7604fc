"""The SQL models on a real DuckDB file: grains, keys and the article identity rule."""

import hashlib
import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REFERENCE, SEEDS
from transforms.articles import content_text
from transforms.extract import EXTRACTOR_VERSION, collect_all, extract_documents
from transforms.reference import load_vocabulary
from warehouse import db, models, staging_io
from warehouse.ingest import ingest_landing

NOW = datetime(2026, 11, 23, 12, 0)


def _build(landing: Path, warehouse: Path) -> None:
    """ingest → extract → staging → marts, without Prefect."""
    work = db.begin_build(warehouse, "test")
    con = db.connect(work)
    try:
        ingest_landing(con, landing, run_id="test", now=NOW, max_bytes=10_000_000)
        models.load_reference(con, REFERENCE)
        doc_ids = staging_io.documents_to_extract(con, EXTRACTOR_VERSION, full_refresh=False)
        docs = pl.from_arrow(staging_io.fetch_documents(con, doc_ids))
        frames = collect_all(extract_documents(docs.lazy(), load_vocabulary(REFERENCE)))
        staging_io.load_staging(con, frames, doc_ids, version=EXTRACTOR_VERSION, now=NOW)
        models.build_marts(con)
    finally:
        con.close()
    db.commit_build(work, warehouse)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    landing = root / "landing"
    shutil.copytree(SEEDS, landing)
    # The same article scraped again with other CMS debris: a different file content, one article.
    original = (landing / "002_20242fb28684d17e.txt").read_text(encoding="utf-8")
    rescraped = re.sub(r"Views:\s+292", "Views: 1,017", original)
    assert rescraped != original
    (landing / "002_rescraped.txt").write_text(rescraped, encoding="utf-8")
    path = root / "newsfacts.duckdb"
    _build(landing, path)
    return path


def _query(path: Path, sql: str) -> pl.DataFrame:
    con = db.connect_read_only(path)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def test_documents_differing_only_in_debris_are_one_article(warehouse):
    docs = _query(warehouse, "select count(*) as n from raw.documents")["n"][0]
    articles = _query(warehouse, "select source_path, document_count from marts.dim_articles order by source_path")
    assert docs == 6
    assert articles.height == 5
    assert articles.filter(pl.col("source_path").str.starts_with("002"))["document_count"].to_list() == [2]


def test_facts_of_a_duplicate_article_are_not_counted_twice(warehouse):
    duplicated = _query(
        warehouse,
        "select surface, count(*) as n from marts.fct_quantities where surface = '3,800 party members' "
        "group by surface",
    )
    assert duplicated["n"].to_list() == [1]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("dim_articles", "article_id"),  # one row per article
        ("fct_quantities", "fact_id"),  # one row per numeric mention
        ("dim_people", "person_id"),  # one row per person
        ("fct_person_roles", "role_id"),  # one row per titled mention
        ("fct_document_refs", "ref_id"),  # one row per document mention
        ("fct_events", "event_id"),  # one row per event mention
        ("dim_places", "place_id"),  # one row per province or city
    ],
)
def test_key_is_unique_and_present(warehouse, table, key):
    stats = _query(warehouse, f"select count(*) as n, count(distinct {key}) as d, count({key}) as c from marts.{table}")
    n, distinct, present = stats.row(0)
    assert n > 0 and n == distinct == present


def test_one_person_across_articles(warehouse):
    people = _query(warehouse, "select name, article_count from marts.dim_people where name = 'Ta Ngoc Tan'")
    assert people.rows() == [("Ta Ngoc Tan", 2)]


def test_every_fact_leads_back_to_its_article_and_sentence(warehouse):
    orphans = _query(
        warehouse,
        """
        select q.fact_id from marts.fct_quantities q
        left join marts.dim_articles a using (article_id)
        where a.article_id is null or position(q.surface in q.sentence) = 0
        """,
    )
    assert orphans.height == 0


def _article_key(title: str | None, body: str | None) -> str:
    """The article identity rule, written independently of the SQL macro."""
    # RE2 (DuckDB) \s is ASCII white space only.
    text = re.sub(r"[\t\n\f\r ]+", " ", f"{title or ''} {body or ''}").lower()
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:16]


def test_article_ids_follow_the_identity_rule(warehouse):
    articles = _query(warehouse, "select article_id, title, body from marts.dim_articles")
    assert articles.height > 0
    for row in articles.iter_rows(named=True):
        assert row["article_id"] == _article_key(row["title"], row["body"])


def test_a_warehouse_from_before_content_keys_gets_them_with_the_same_article_ids(warehouse, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copyfile(warehouse, old)
    before = _query(old, "select doc_id, article_id from marts.dim_articles order by doc_id")
    con = db.connect(old)
    try:
        con.execute("alter table staging.stg_articles drop column content_key")
    finally:
        con.close()
    work = db.begin_build(old, "migrate")
    con = db.connect(work)
    try:
        models.build_marts(con)
    finally:
        con.close()
    db.commit_build(work, old)
    after = _query(old, "select doc_id, article_id from marts.dim_articles order by doc_id")
    assert after.equals(before)


@settings(max_examples=200, deadline=None)
@given(
    title=st.none() | st.text(alphabet=" \t\n\r\f\v\u00a0\u2028aĂđ.Z9", max_size=12),
    body=st.none() | st.text(alphabet=" \t\n\r\f\v\u00a0\u2028aĂđ.Z9", max_size=40),
)
def test_content_text_hashed_on_load_gives_the_sql_content_key(title, body):
    # The loader hashes polars' collapsed text; older rows are keyed by the SQL macro over title and body.
    frame = pl.DataFrame({"title": [title], "body": [body]}, schema={"title": pl.String, "body": pl.String})
    collapsed = frame.select(content_text(pl.col("title"), pl.col("body")))["title"][0]
    con = duckdb.connect()
    try:
        con.execute((db.SQL_DIR / "staging" / "stg_articles.sql").read_text().replace("staging.", ""))
        loaded, direct = con.execute("select content_key_of(?), content_key(?, ?)", [collapsed, title, body]).fetchone()
    finally:
        con.close()
    assert loaded == direct == _article_key(title, body)
