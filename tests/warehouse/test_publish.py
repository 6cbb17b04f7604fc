"""Publishing marts as Parquet: partitions equal to the marts, an honest manifest, atomic swaps, clean failures."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from warehouse import db
from warehouse.publish import (
    PARTITIONED_MARTS,
    PUBLISHED_MARTS,
    PublishError,
    publish,
    read_manifest,
    source_query,
)

T0 = datetime(2024, 3, 1, 8, 0)
NULL = "__HIVE_DEFAULT_PARTITION__"


@pytest.fixture
def marts(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse whose published marts are tiny tables of varied column types, over articles of two years."""
    con = db.connect(tmp_path / "warehouse.duckdb")
    db.create_schemas(con)
    con.execute("""
        create table marts.dim_articles as
        select * from (values
            ('a1', 'hanoi', timestamp '2024-02-01 10:00:00', 'Hà Nội họp', 2::bigint),
            ('a2', 'hanoi', timestamp '2023-12-31 23:30:00', 'Year end', 1::bigint),
            ('a3', 'binh_duong', timestamp '2024-01-31 08:00:00', 'Bình Dương', 1::bigint),
            ('a4', null, timestamp '2024-03-01 09:00:00', 'No province', 1::bigint),
            ('a5', 'hanoi', null, 'No date', 1::bigint),
            ('a6', null, null, 'Neither', 1::bigint)
        ) as t(article_id, province_place_id, published_at, title, document_count)
    """)
    # Each article's document: its text is what the facts' offsets count characters of.
    con.execute("alter table marts.dim_articles add column doc_id varchar default null")
    con.execute("alter table marts.dim_articles add column source_path varchar default null")
    con.execute("update marts.dim_articles set doc_id = 'd' || article_id, source_path = article_id || '.txt'")
    con.execute("""
        insert into raw.documents
        select 'd' || article_id, sha256(title), article_id || '.txt', 100, 'utf-8', timestamp '2024-03-01 08:00:00',
            'run-0', title || ': Tổng vốn đầu tư đạt 1.250 tỷ đồng'
        from marts.dim_articles
    """)
    # A document of no article is not published.
    con.execute("insert into raw.documents values ('orphan', 'x', 'x.txt', 1, 'utf-8', now(), 'run-0', 'x')")
    con.execute("""
        create table marts.fct_quantities as
        select * from (values
            ('q1', 'a1', 1250.0::double, 'billion VND', 'ok', 10, 24),
            ('q2', 'a1', 12.0::double, 'percent', 'flagged', 30, 33),
            ('q3', 'a3', 2694.6::double, 'km2', 'ok', 0, 8),
            ('q4', 'a4', 3.5::double, 'percent', 'ok', 5, 9),
            ('q5', 'a5', 7.0::double, 'percent', 'implausible', 1, 2),
            ('q6', 'a6', 100.0::double, 'ha', 'ok', 3, 8),
            ('q7', 'gone', 1.0::double, 'ha', 'ok', 0, 1)
        ) as t(quantity_id, article_id, value, unit, quality_status, char_start, char_end)
    """)
    for name in ("fct_person_roles", "fct_document_refs", "fct_events"):
        con.execute(f"""
            create table marts.{name} as
            select * from (values
                ('{name}-1', 'a1', 'Bình Dương', 1::bigint, true, date '2024-01-31', timestamp '2024-02-01 10:00:00'),
                ('{name}-2', 'a2', 'Nguyễn Văn Lợi', null, false, null, null),
                ('{name}-3', 'a6', 'Lợi', 3::bigint, null, date '2020-01-01', null)
            ) as t(row_id, article_id, label, amount, is_current, published_on, ingested_at)
        """)
    for name in ("dim_people", "dim_places", "fct_indicators"):
        con.execute(f"""
            create table marts.{name} as
            select * from (values
                ('{name}-1', 'Bình Dương', 1::bigint, true, date '2024-01-31', timestamp '2024-02-01 10:00:00'),
                ('{name}-2', 'Nguyễn Văn Lợi', null, false, null, null)
            ) as t(row_id, label, amount, is_current, published_on, ingested_at)
        """)
    yield con
    con.close()


def _publish(con: duckdb.DuckDBPyConnection, folder: Path, run: int, *, only_ok: bool = False, keep: int = 3) -> dict:
    return publish(
        con,
        folder,
        run_id=f"run-{run}",
        published_at=T0 + timedelta(hours=run),
        only_ok=only_ok,
        keep=keep,
        extra={"extractor_version": "test"},
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(folder: Path) -> tuple:
    """What a reader of the publication sees: the `current` link, manifest.json and every file's hash."""
    files = {str(p.relative_to(folder)): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    return os.readlink(folder / "current"), (folder / "manifest.json").read_text(encoding="utf-8"), files


def _expected(con: duckdb.DuckDBPyConnection, name: str, *, only_ok: bool = False) -> pl.DataFrame:
    """The mart as a Hive reader should see it: its rows, plus the article's province and year if partitioned."""
    mart = con.sql(source_query(name, only_ok)).pl()
    if name not in PARTITIONED_MARTS:
        return mart
    articles = con.sql("select article_id, province_place_id, published_at from marts.dim_articles").pl()
    keys = articles.select(
        "article_id", province=pl.col("province_place_id"), year=pl.col("published_at").dt.year().cast(pl.Int64)
    )
    return mart.join(keys, on="article_id", how="left")


# Each reader reads one published table folder with Hive partitioning, into polars to compare.
READERS = {
    "duckdb": lambda con, table: con.sql(
        f"select * from read_parquet('{table}/**/*.parquet', hive_partitioning = true)"
    ).pl(),
    "polars": lambda con, table: pl.scan_parquet(table, hive_partitioning=True).collect(),
    "pyarrow": lambda con, table: pl.from_arrow(ds.dataset(table, partitioning="hive").to_table()),
}


HIVE_KEYS = ds.partitioning(pa.schema([("province", pa.string()), ("year", pa.int64())]), flavor="hive")


def _assert_reads_back(con: duckdb.DuckDBPyConnection, folder: Path, *, only_ok: bool = False) -> None:
    """The current publication: its files are those of its manifest, and every reader reads back the marts."""
    current = folder / "current"
    for name, table in read_manifest(folder)["tables"].items():
        on_disk = sorted(p.relative_to(current).as_posix() for p in (current / name).rglob("*") if p.is_file())
        assert sorted(entry["path"] for entry in table["files"]) == on_disk
        for entry in table["files"]:
            path = current / entry["path"]
            assert entry["sha256"] == _sha256(path) and entry["bytes"] == path.stat().st_size, entry["path"]
        for reader, read in READERS.items():
            if reader == "pyarrow" and name in PARTITIONED_MARTS:
                # An emptied mart leaves keys with only null values, whose type pyarrow cannot infer.
                got = pl.from_arrow(ds.dataset(current / name, partitioning=HIVE_KEYS).to_table())
            else:
                got = read(con, current / name)
            if name in PARTITIONED_MARTS:
                got = got.with_columns(pl.col("year").cast(pl.Int64))
            assert_frame_equal(got, _expected(con, name, only_ok=only_ok), check_row_order=False)


def _inodes(folder: Path, run: int) -> dict[str, int]:
    """Inode of every Parquet file of a run, by its path in the run: equal inodes are hard links."""
    root = folder / "runs" / f"run-{run}"
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*.parquet")}


def _rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """Folders of the files of the later run that are not hard links to the same path of the earlier one."""
    return {Path(path).parent.as_posix() for path, inode in after.items() if before.get(path) != inode}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("only_ok", [False, True])
def test_parquet_reads_back_equal_with_duckdb_polars_and_pyarrow(
    marts, tmp_path: Path, only_ok: bool, reader: str
) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1, only_ok=only_ok)

    for name in PUBLISHED_MARTS:
        got = READERS[reader](marts, folder / "current" / name)
        if name in PARTITIONED_MARTS:
            # pyarrow infers int32 for the year, DuckDB and polars int64: all read it as a number.
            assert got.schema["province"] == pl.String and got.schema["year"].is_integer(), name
            got = got.with_columns(pl.col("year").cast(pl.Int64))
        assert_frame_equal(got, _expected(marts, name, only_ok=only_ok), check_row_order=False)
    quantities = READERS[reader](marts, folder / "current" / "fct_quantities")
    assert set(quantities["quality_status"]) == ({"ok"} if only_ok else {"ok", "flagged", "implausible"})


def test_manifest_lists_the_files_and_partitions_on_disk(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    manifest = _publish(marts, folder, 1, only_ok=True)
    current = folder / "current"

    assert read_manifest(folder) == json.loads(json.dumps(manifest, default=str))
    assert json.loads((current / "manifest.json").read_text(encoding="utf-8")) == read_manifest(folder)
    assert manifest["run_id"] == "run-1" and manifest["path"] == "runs/run-1" and manifest["only_ok_rows"] is True
    assert set(manifest["tables"]) == set(PUBLISHED_MARTS)
    for name, table in manifest["tables"].items():
        on_disk = sorted(p.relative_to(current).as_posix() for p in (current / name).rglob("*") if p.is_file())
        # Files come in the order of the partitions that hold them.
        assert [entry["path"] for entry in table["files"]] == [f for p in table["partitions"] for f in p["files"]]
        assert sorted(entry["path"] for entry in table["files"]) == on_disk
        for entry in table["files"]:
            path = current / entry["path"]
            assert entry["sha256"] == _sha256(path) and entry["bytes"] == path.stat().st_size
            assert table["schema"] == [{"name": f.name, "type": str(f.type)} for f in pq.read_schema(path)]
        keys = table["partitioning"]
        assert keys == (["province", "year"] if name in PARTITIONED_MARTS else [])
        # What a reader declares when a key holds only nulls (pyarrow cannot infer it then).
        assert table["partition_types"] == ({"province": "VARCHAR", "year": "BIGINT"} if keys else {})
        for partition in table["partitions"]:
            assert set(partition) == {*keys, "rows", "files", "content"}
            folders = "".join(f"/{key}={NULL if partition[key] is None else partition[key]}" for key in keys)
            assert {Path(path).parent.as_posix() for path in partition["files"]} == {name + folders}
            assert partition["rows"] == sum(pq.read_metadata(current / path).num_rows for path in partition["files"])
        expected = _expected(marts, name, only_ok=True)
        in_manifest = {tuple(p[key] for key in keys): p["rows"] for p in table["partitions"]}
        if keys:
            in_mart = {row[:-1]: row[-1] for row in expected.group_by(keys).len().iter_rows()}
        else:
            in_mart = {(): expected.height}
        assert in_manifest == in_mart
        assert table["rows"] == expected.height == sum(in_manifest.values())
        assert table["only_ok_rows"] is (name == "fct_quantities")
        # What the partitions' content fingerprints depend on; a first publication writes every partition.
        fingerprint = table["fingerprint"]
        assert fingerprint["only_ok_rows"] is True and fingerprint["writer"].startswith("duckdb ")
        assert [c["name"] for c in fingerprint["columns"]] == [f["name"] for f in table["schema"]]
        assert all(p["content"].startswith(f"{p['rows']}:") for p in table["partitions"])
        assert (table["written"], table["linked"]) == (len(table["partitions"]), 0)
    quantities = manifest["tables"]["fct_quantities"]
    # Sorted by province then year, unknown values last.
    assert [(p["province"], p["year"], p["rows"]) for p in quantities["partitions"]] == [
        ("binh_duong", 2024, 1),
        ("hanoi", 2024, 1),
        (None, 2024, 1),
        (None, None, 2),
    ]


def test_published_files_alone_reproduce_every_surface(marts, tmp_path: Path) -> None:
    marts.execute("""
        create or replace table marts.fct_quantities as
        select 'q' || article_id as quantity_id, article_id, 'd' || article_id as doc_id, 1250.0 as value,
            'billion VND' as unit, 'ok' as quality_status, length(title) + 22 as char_start,
            length(title) + 27 as char_end, '1.250' as surface
        from marts.dim_articles
    """)
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    current = folder / "current"
    reader = duckdb.connect()

    def read(name: str) -> str:
        return f"read_parquet('{current / name}/**/*.parquet', hive_partitioning = true)"

    checked = reader.sql(f"""
        select q.surface, substr(d.text, q.char_start + 1, q.char_end - q.char_start) as at_span,
            d.sha256 = sha256(a.title) as bytes_hash_kept, d.text_sha256 = sha256(d.text) as text_hash_holds
        from {read("fct_quantities")} as q inner join {read("documents")} as d on q.doc_id = d.doc_id
        inner join {read("dim_articles")} as a on d.article_id = a.article_id
    """).fetchall()
    assert len(checked) == 6
    assert all(row == ("1.250", "1.250", True, True) for row in checked), checked
    documents = reader.sql(f"select doc_id, source_path, province, year from {read('documents')}").pl()
    # One row per published article's document, partitioned like its article; no orphan documents.
    assert sorted(documents["doc_id"]) == [f"da{i}" for i in range(1, 7)]
    assert documents.filter(pl.col("doc_id") == "da3").row(0, named=True) == {
        "doc_id": "da3",
        "source_path": "a3.txt",
        "province": "binh_duong",
        "year": 2024,
    }


def test_articles_without_province_or_date_land_in_the_default_partition(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    manifest = _publish(marts, folder, 1)
    current = folder / "current"

    def ids(path: str) -> list[str]:
        return sorted(pq.read_table(current / path).column(0).to_pylist())

    assert ids(f"dim_articles/province={NULL}/year=2024/part-0.parquet") == ["a4"]
    assert ids(f"dim_articles/province=hanoi/year={NULL}/part-0.parquet") == ["a5"]
    assert ids(f"dim_articles/province={NULL}/year={NULL}/part-0.parquet") == ["a6"]
    # A fact whose article is missing from dim_articles is kept, not dropped by the join.
    assert ids(f"fct_quantities/province={NULL}/year={NULL}/part-0.parquet") == ["q6", "q7"]
    unknown = [p for p in manifest["tables"]["dim_articles"]["partitions"] if None in (p["province"], p["year"])]
    assert [(p["province"], p["year"], p["rows"]) for p in unknown] == [
        ("hanoi", None, 1),
        (None, 2024, 1),
        (None, None, 1),
    ]
    read = READERS["duckdb"](marts, current / "dim_articles").filter(
        pl.col("province").is_null() | pl.col("year").is_null()
    )
    assert read.select("article_id", "province", "year").sort("article_id").rows() == [
        ("a4", None, 2024),
        ("a5", "hanoi", None),
        ("a6", None, None),
    ]


def test_quarantined_articles_are_left_out_of_every_table_and_named_in_the_manifest(marts, tmp_path: Path) -> None:
    # People matched by dim_people.sql's key: one only in the quarantined article a1, one also in a3.
    marts.execute("drop table marts.dim_people")
    marts.execute("""
        create table marts.dim_people as
        select left(md5(lower(strip_accents(name))), 16) as person_id, name
        from (values ('Tran Thi Held'), ('Le Van Both')) as t(name)
    """)
    marts.execute("""
        insert into staging.stg_person_mentions values
            ('da1', 0, 0, 13, 'Tran Thi Held', null, 'Tran Thi Held', null, null),
            ('da1', 1, 0, 11, 'Le Van Both', null, 'Le Van Both', null, null),
            ('da3', 0, 0, 11, 'Le Van Both', null, 'Le Van Both', null, null)
    """)
    held = [{"article_id": "a1", "doc_id": "da1", "source_path": "a1.txt", "reasons": ["no body"]}]
    folder = tmp_path / "published"
    _publish(marts, folder, 1)

    manifest = publish(marts, folder, run_id="run-2", published_at=T0, only_ok=False, keep=3, quarantined=held)

    assert manifest["quarantined"] == held and read_manifest(folder)["quarantined"] == held
    for name in PARTITIONED_MARTS:
        got = READERS["duckdb"](marts, folder / "current" / name)
        expected = _expected(marts, name).filter(pl.col("article_id") != "a1")
        assert_frame_equal(got.with_columns(pl.col("year").cast(pl.Int64)), expected, check_row_order=False)
        assert manifest["tables"][name]["rows"] == expected.height, name
    people = READERS["duckdb"](marts, folder / "current" / "dim_people")
    assert people["name"].to_list() == ["Le Van Both"]
    # a1 alone made fct_quantities' partition hanoi/2024: it is gone, the others are linked from the last run.
    quantities = manifest["tables"]["fct_quantities"]
    assert ("hanoi", 2024) not in [(p["province"], p["year"]) for p in quantities["partitions"]]
    assert quantities["written"] == 0 and quantities["linked"] == len(quantities["partitions"])
    # The temporary table of held-back articles is gone with the publication.
    assert not marts.execute("select count(*) from duckdb_tables() where table_name = '_held_back'").fetchone()[0]


def test_an_empty_mart_is_one_empty_file_that_readers_still_find(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    marts.execute("delete from marts.fct_events")

    table = _publish(marts, folder, 1)["tables"]["fct_events"]

    path = f"fct_events/province={NULL}/year={NULL}/part-0.parquet"
    assert table["rows"] == 0 and [entry["path"] for entry in table["files"]] == [path]
    assert table["partitions"] == [{"province": None, "year": None, "rows": 0, "files": [path], "content": "0:0"}]
    events = folder / "current" / "fct_events"
    columns = [*marts.sql("select * from marts.fct_events").columns, "province", "year"]
    assert READERS["duckdb"](marts, events).columns == columns
    assert READERS["polars"](marts, events).columns == columns
    # With only null values pyarrow cannot infer a key's type: readers pass the partition schema.
    keys = ds.partitioning(pa.schema([("province", pa.string()), ("year", pa.int64())]), flavor="hive")
    assert ds.dataset(events, partitioning=keys).to_table().num_rows == 0


def test_current_points_to_the_new_run_and_old_versions_are_pruned(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    for run in (1, 2, 3, 4):
        _publish(marts, folder, run, keep=2)
        assert (folder / "current").resolve() == (folder / "runs" / f"run-{run}").resolve()
        assert read_manifest(folder)["run_id"] == f"run-{run}"

    assert sorted(p.name for p in (folder / "runs").iterdir()) == ["run-3", "run-4"]
    assert not list(folder.glob(".tmp-*")) and not list(folder.glob("*.tmp"))


def test_publishing_the_same_run_again_replaces_it(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    marts.execute("delete from marts.fct_quantities where quantity_id = 'q3'")

    manifest = _publish(marts, folder, 1)

    assert manifest["tables"]["fct_quantities"]["rows"] == 6
    # q3 was the only fact from binh_duong: its partition is gone, not left over from the first write.
    assert not (folder / "current" / "fct_quantities" / "province=binh_duong").exists()
    assert READERS["duckdb"](marts, folder / "current" / "fct_quantities").height == 6


@pytest.mark.parametrize(
    ("changes", "rewritten"),
    [
        # One article's title and one of its facts: that province and year of those two marts.
        (
            [
                "update marts.dim_articles set title = 'Hà Nội họp lại' where article_id = 'a1'",
                "update marts.fct_quantities set value = 1300.0 where quantity_id = 'q1'",
            ],
            {"dim_articles/province=hanoi/year=2024", "fct_quantities/province=hanoi/year=2024"},
        ),
        # An article with neither province nor date: the default partition of both keys.
        (
            ["update marts.fct_events set label = 'Lời nói' where row_id = 'fct_events-3'"],
            {f"fct_events/province={NULL}/year={NULL}"},
        ),
        # An article with a province but no date.
        (
            ["update marts.dim_articles set document_count = 3 where article_id = 'a5'"],
            {f"dim_articles/province=hanoi/year={NULL}"},
        ),
        # A copy of a row: the count and the sum of hashes change (a xor of hashes would not, for two copies).
        (
            ["insert into marts.fct_person_roles select * from marts.fct_person_roles where row_id like '%-1'"],
            {"fct_person_roles/province=hanoi/year=2024"},
        ),
        # An article moved to another province: its old partitions go, its new ones are written.
        (
            ["update marts.dim_articles set province_place_id = 'hanoi' where article_id = 'a3'"],
            {
                "dim_articles/province=hanoi/year=2024",
                "fct_quantities/province=hanoi/year=2024",
                "documents/province=hanoi/year=2024",
            },
        ),
        # The only fact of a partition deleted: the partition is gone, nothing is written.
        (["delete from marts.fct_quantities where quantity_id = 'q4'"], set()),
        # A mart emptied: its one empty file, in the default partition.
        (["delete from marts.fct_events"], {f"fct_events/province={NULL}/year={NULL}"}),
        # The same rows in another order: nothing is written.
        (["create or replace table marts.fct_events as select * from marts.fct_events order by row_id desc"], set()),
        # A small dimension is one partition of its own.
        (["update marts.dim_places set amount = 7 where row_id = 'dim_places-2'"], {"dim_places"}),
    ],
)
def test_only_the_partitions_of_changed_rows_are_written(
    marts, tmp_path: Path, changes: list[str], rewritten: set[str]
) -> None:
    folder = tmp_path / "published"
    first = _publish(marts, folder, 1)
    before = _inodes(folder, 1)
    for change in changes:
        marts.execute(change)

    manifest = _publish(marts, folder, 2)

    assert _rewritten(before, _inodes(folder, 2)) == rewritten
    partitions = sum(len(table["partitions"]) for table in manifest["tables"].values())
    assert sum(table["written"] for table in manifest["tables"].values()) == len(rewritten)
    assert sum(table["linked"] for table in manifest["tables"].values()) == partitions - len(rewritten)
    # A hard-linked file keeps the checksum the previous manifest gave it.
    checksums = {entry["path"]: entry["sha256"] for table in first["tables"].values() for entry in table["files"]}
    for table in manifest["tables"].values():
        for entry in table["files"]:
            if Path(entry["path"]).parent.as_posix() not in rewritten:
                assert entry["sha256"] == checksums[entry["path"]]
    _assert_reads_back(marts, folder)


def test_identical_rows_changed_together_are_seen(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    twice = "select * replace ('twin' as label) from marts.fct_events where row_id = 'fct_events-1'"
    marts.execute(f"insert into marts.fct_events {twice} union all {twice}")
    _publish(marts, folder, 1)
    before = _inodes(folder, 1)
    # Same count, and the two changed rows cancel out in a xor of hashes: not in a sum.
    marts.execute("update marts.fct_events set label = 'twins' where label = 'twin'")

    _publish(marts, folder, 2)

    assert _rewritten(before, _inodes(folder, 2)) == {"fct_events/province=hanoi/year=2024"}
    _assert_reads_back(marts, folder)


def test_changing_only_ok_rewrites_everything(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1, only_ok=False)
    before = _inodes(folder, 1)

    manifest = _publish(marts, folder, 2, only_ok=True)

    assert not set(before.values()) & set(_inodes(folder, 2).values())
    assert all(table["linked"] == 0 for table in manifest["tables"].values())
    _assert_reads_back(marts, folder, only_ok=True)


@pytest.mark.parametrize(
    "change",
    [
        # A renamed column: the rows hash the same, the files differ.
        "alter table marts.fct_events rename column label to event_label",
        # Another type for the same values.
        "alter table marts.fct_events alter column amount type integer",
    ],
)
def test_changing_the_schema_of_a_mart_rewrites_all_of_it(marts, tmp_path: Path, change: str) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _inodes(folder, 1)
    marts.execute(change)

    manifest = _publish(marts, folder, 2)

    events = {Path(entry["path"]).parent.as_posix() for entry in manifest["tables"]["fct_events"]["files"]}
    assert _rewritten(before, _inodes(folder, 2)) == events
    assert manifest["tables"]["fct_events"]["linked"] == 0
    _assert_reads_back(marts, folder)


def test_pruning_old_runs_keeps_the_files_the_current_one_links_to(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    changes = [
        "update marts.fct_quantities set value = 1300.0 where quantity_id = 'q1'",
        "update marts.fct_events set label = 'Lời nói' where row_id = 'fct_events-3'",
        "delete from marts.fct_person_roles where row_id = 'fct_person_roles-2'",
    ]
    _publish(marts, folder, 1, keep=1)
    places = _inodes(folder, 1)["dim_places/part-0.parquet"]

    for run, change in enumerate(changes, start=2):
        marts.execute(change)
        manifest = _publish(marts, folder, run, keep=1)
        assert [p.name for p in (folder / "runs").iterdir()] == [f"run-{run}"]
        assert sum(table["linked"] for table in manifest["tables"].values()) > 0
        _assert_reads_back(marts, folder)

    # Written by the first run, whose folder is long gone.
    assert _inodes(folder, 4)["dim_places/part-0.parquet"] == places


@pytest.mark.parametrize("tamper", ["grown", "truncated", "missing"])
def test_a_previous_file_unlike_its_manifest_is_written_again(marts, tmp_path: Path, tamper: str) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    path = folder / "runs" / "run-1" / "fct_quantities" / "province=hanoi" / "year=2024" / "part-0.parquet"
    if tamper == "grown":
        with open(path, "ab") as handle:
            handle.write(b"\0")
    elif tamper == "truncated":
        os.truncate(path, 100)
    else:
        path.unlink()
    before = _inodes(folder, 1)

    manifest = _publish(marts, folder, 2)

    assert _rewritten(before, _inodes(folder, 2)) == {"fct_quantities/province=hanoi/year=2024"}
    assert manifest["tables"]["fct_quantities"]["written"] == 1
    _assert_reads_back(marts, folder)


def test_partitions_are_written_when_hard_links_fail(marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _inodes(folder, 1)

    # What linking across file systems does.
    def cross_device(src, dst, *args, **kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link", os.fspath(src))

    monkeypatch.setattr(os, "link", cross_device)

    manifest = _publish(marts, folder, 2)

    assert not set(before.values()) & set(_inodes(folder, 2).values())
    assert all(table["linked"] == 0 for table in manifest["tables"].values())
    _assert_reads_back(marts, folder)


def test_leftovers_of_a_crashed_publication_are_removed(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    (folder / ".tmp-crashed" / "dim_people").mkdir(parents=True)
    (folder / ".tmp-crashed" / "dim_people" / "part-0.parquet").write_bytes(b"PAR1 half a file")
    (folder / "manifest.json.tmp").write_text("{", encoding="utf-8")

    _publish(marts, folder, 2)

    assert not list(folder.glob(".tmp-*")) and not (folder / "manifest.json.tmp").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_publish_folder_fails_cleanly(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _state(folder)
    folder.chmod(0o500)
    try:
        with pytest.raises(PublishError, match=r"cannot publish to .*Permission denied.*publication is unchanged"):
            _publish(marts, folder, 2)
    finally:
        folder.chmod(0o755)

    assert _state(folder) == before
    assert not list(folder.glob(".tmp-*"))


def test_folder_refusing_new_entries_fails_cleanly(marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _state(folder)
    real_mkdir = os.mkdir

    # What chmod 0o500 does to a non-root user, for runs as root too.
    def refuse_inside_the_folder(path, *args, **kwargs):
        if Path(path).parent == folder:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse_inside_the_folder)

    with pytest.raises(PublishError, match=r"cannot publish to .*Permission denied.*publication is unchanged"):
        _publish(marts, folder, 2)

    monkeypatch.undo()
    assert _state(folder) == before
    assert not list(folder.glob(".tmp-*"))


@contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    """Writes past `limit` bytes fail in this process (EFBIG), the way writes on a full disk fail."""
    # Without this the kernel's SIGXFSZ kills the test process instead of failing the write.
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


# The first, a middle and the last mart (documents, written after it, is read from raw.documents).
@pytest.mark.parametrize("failing_table", [0, 3, PUBLISHED_MARTS.index("fct_events")])
def test_write_failing_mid_table_fails_cleanly(marts, tmp_path: Path, failing_table: int) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _state(folder)
    name = PUBLISHED_MARTS[failing_table]
    key = marts.execute(f"select * from marts.{name} limit 0").description[0][0]
    # Enough incompressible rows that this table's file outgrows the limit the other files stay under.
    marts.execute(f"insert into marts.{name} by name select md5(i::varchar) as {key} from range(50000) as t(i)")

    with (
        _file_size_limit(256 * 1024),
        pytest.raises(
            PublishError, match=rf"cannot publish to .*writing Parquet failed.*/{name}/.*File too large.*is unchanged"
        ),
    ):
        _publish(marts, folder, 2)

    assert _state(folder) == before
    assert not list(folder.glob(".tmp-*")) and not (folder / "runs" / "run-2").exists()


def test_failure_after_the_files_are_written_restores_the_previous_publication(
    marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _state(folder)
    real_replace = os.replace

    def fail_on_the_manifest(src, dst):
        if Path(dst).name == "manifest.json" and Path(dst).parent == folder:
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_the_manifest)

    with pytest.raises(PublishError, match="Input/output error"):
        _publish(marts, folder, 2)

    monkeypatch.undo()
    assert _state(folder) == before
    assert not (folder / "runs" / "run-2").exists()


def test_missing_mart_fails_cleanly(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _state(folder)
    marts.execute("drop table marts.fct_events")

    with pytest.raises(PublishError, match="fct_events"):
        _publish(marts, folder, 2)

    assert _state(folder) == before
    assert not list(folder.glob(".tmp-*"))


def test_failed_first_publication_leaves_nothing(marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "published"
    real_replace = os.replace

    def fail_on_the_manifest(src, dst):
        if Path(dst) == folder / "manifest.json":
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_the_manifest)

    with pytest.raises(PublishError, match="Input/output error"):
        _publish(marts, folder, 1)

    assert not (folder / "current").is_symlink() and not (folder / "manifest.json").exists()
    assert list((folder / "runs").iterdir()) == [] and not list(folder.glob(".tmp-*"))
