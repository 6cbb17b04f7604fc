"""Loading the landing folder into raw: every file accounted for, nothing lost, nothing half-ingested."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from warehouse import db
from warehouse import ingest as ingest_module
from warehouse.ingest import ingest_landing


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def _statuses(log: pl.DataFrame) -> dict[str, str]:
    return dict(log.select("source_path", "status").iter_rows())


def test_every_file_is_accounted_for_exactly_once(
    ingest, hostile_landing: dict[str, str], statuses: set[str], samples: dict, warehouse_con
) -> None:
    log = ingest()

    assert log["source_path"].is_unique().all()
    assert _statuses(log) == hostile_landing
    assert set(log["status"]) <= statuses
    assert log.filter(pl.col("status") == "rejected")["reason"].is_not_null().all()
    logged = _rows(warehouse_con, "select source_path, status from raw.ingest_log where run_id = 'run-1'")
    assert dict(logged) == hostile_landing and len(logged) == len(hostile_landing)
    new = sorted(p for p, s in hostile_landing.items() if s == "new")
    assert sorted(r[0] for r in _rows(warehouse_con, "select source_path from raw.documents")) == new


def test_nothing_from_outside_or_rejected_reaches_raw(ingest, hostile_landing: dict[str, str], warehouse_con) -> None:
    ingest()

    texts = [r[0] for r in _rows(warehouse_con, "select text from raw.documents")]
    assert not any("SECRET" in t or "root:" in t for t in texts)
    rejected = [p for p, s in hostile_landing.items() if s == "rejected"]
    assert _rows(warehouse_con, "select * from raw.sources where source_path in (select unnest(?))", [rejected]) == []


def test_decoded_texts_are_stored_right(ingest, hostile_landing: dict[str, str], samples: dict, warehouse_con) -> None:
    ingest()

    stored = dict(_rows(warehouse_con, "select source_path, text from raw.documents"))
    for name in ("vietnamese-cp1258.txt", "vietnamese-utf16.txt", "latin1.txt"):
        assert stored[name] == samples[name].text
    assert stored["damaged-utf8.txt"].count("\ufffd") == 2
    for path, status in hostile_landing.items():
        if status == "new" and path[:3].isdigit():
            assert stored[path] == (ingest.landing / path).read_text(encoding="utf-8")


def test_odd_file_names_are_stored_verbatim(
    ingest, hostile_landing: dict[str, str], odd_names: list[str], warehouse_con
) -> None:
    ingest()

    paths = {r[0] for r in _rows(warehouse_con, "select source_path from raw.sources")}
    assert {f"odd/{name}" for name in odd_names} <= paths
    assert _rows(warehouse_con, "select count(*) from raw.documents")[0][0] > 0
    for folder in (ingest.landing, ingest.landing / "odd", Path.cwd()):
        assert not (folder / "pwned").exists() and not (folder / "pwned2").exists()


def test_good_articles_are_the_same_with_or_without_bad_files(
    ingest, hostile_landing: dict[str, str], warehouse_con, tmp_path: Path
) -> None:
    ingest()
    clean_landing = tmp_path / "clean"
    clean_landing.mkdir()
    seeds = sorted(p for p in hostile_landing if p[:3].isdigit())
    for name in seeds:
        (clean_landing / name).write_bytes((ingest.landing / name).read_bytes())
    clean = db.connect(tmp_path / "clean.duckdb")
    db.create_schemas(clean)
    ingest_landing(clean, clean_landing, run_id="clean", now=ingest.now, max_bytes=1_000_000)

    sql = (
        "select source_path, doc_id, sha256, encoding, text from raw.documents where source_path in (select unnest(?))"
    )
    assert sorted(_rows(warehouse_con, sql, [seeds])) == sorted(_rows(clean, sql, [seeds]))
    clean.close()


def test_same_content_under_two_names_is_one_document_two_sources(ingest, write_file, warehouse_con) -> None:
    write_file(ingest.landing / "a.txt", "Bình Dương attracted 1,250 billion VND.\n".encode())
    write_file(ingest.landing / "b.txt", "Bình Dương attracted 1,250 billion VND.\n".encode())

    log = ingest()

    assert _statuses(log) == {"a.txt": "new", "b.txt": "duplicate"}
    assert log["doc_id"].n_unique() == 1
    assert _rows(warehouse_con, "select count(*) from raw.documents") == [(1,)]
    sources = _rows(warehouse_con, "select source_path, doc_id from raw.sources order by source_path")
    assert [s[0] for s in sources] == ["a.txt", "b.txt"] and sources[0][1] == sources[1][1]


def test_reingesting_unchanged_files_changes_nothing(ingest, hostile_landing: dict[str, str], warehouse_con) -> None:
    ingest()
    documents = _rows(warehouse_con, "select * from raw.documents order by doc_id")
    sources = _rows(
        warehouse_con,
        "select source_path, doc_id, size_bytes, mtime_ns, first_seen_at, superseded_at, "
        "deleted_at from raw.sources order by all",
    )

    log = ingest()

    expected = {p: "rejected" if s == "rejected" else "unchanged" for p, s in hostile_landing.items()}
    assert _statuses(log) == expected
    assert _rows(warehouse_con, "select * from raw.documents order by doc_id") == documents
    assert (
        _rows(
            warehouse_con,
            "select source_path, doc_id, size_bytes, mtime_ns, first_seen_at, superseded_at, "
            "deleted_at from raw.sources order by all",
        )
        == sources
    )
    assert _rows(warehouse_con, "select distinct last_seen_at from raw.sources") == [(ingest.now,)]


def test_changed_file_supersedes_its_source_and_keeps_both_versions(
    ingest, seeds: list[str], write_file, warehouse_con
) -> None:
    first = ingest()
    old_doc = first.filter(source_path=seeds[0])["doc_id"].item()
    path = ingest.landing / seeds[0]
    mtime = path.stat().st_mtime_ns
    write_file(path, path.read_bytes() + b"\nCorrection: the figure is 1,260 billion VND.\n", mtime_ns=mtime + 10**9)

    log = ingest()

    assert _statuses(log) == {name: "changed" if name == seeds[0] else "unchanged" for name in seeds}
    new_doc = log.filter(source_path=seeds[0])["doc_id"].item()
    assert new_doc != old_doc
    rows = dict(_rows(warehouse_con, "select doc_id, superseded_at from raw.sources where source_path = ?", [seeds[0]]))
    assert rows == {old_doc: ingest.now, new_doc: None}
    docs = {r[0] for r in _rows(warehouse_con, "select doc_id from raw.documents")}
    assert {old_doc, new_doc} <= docs and len(docs) == 6


def test_touched_file_with_the_same_content_is_unchanged(ingest, seeds: list[str], warehouse_con) -> None:
    ingest()
    path = ingest.landing / seeds[1]
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    log = ingest()

    assert set(log["status"]) == {"unchanged"}
    row = _rows(warehouse_con, "select mtime_ns, superseded_at from raw.sources where source_path = ?", [seeds[1]])
    assert row == [(path.stat().st_mtime_ns, None)]
    assert _rows(warehouse_con, "select count(*) from raw.documents") == [(5,)]


def test_deleted_file_is_marked_and_its_document_kept(ingest, seeds: list[str], warehouse_con) -> None:
    first = ingest()
    doc = first.filter(source_path=seeds[2])["doc_id"].item()
    (ingest.landing / seeds[2]).unlink()

    log = ingest()

    assert _statuses(log) == {name: "deleted" if name == seeds[2] else "unchanged" for name in seeds}
    assert log.filter(source_path=seeds[2])["doc_id"].item() == doc
    assert _rows(warehouse_con, "select deleted_at from raw.sources where source_path = ?", [seeds[2]]) == [
        (ingest.now,)
    ]
    assert _rows(warehouse_con, "select count(*) from raw.documents where doc_id = ?", [doc]) == [(1,)]
    # Reported once: the next run has nothing to say about it.
    assert seeds[2] not in _statuses(ingest())


def test_file_changing_while_read_is_rejected_not_half_ingested(
    ingest, seeds: list[str], write_file, warehouse_con, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_file(ingest.landing / "still-writing.txt", b"The first half of the article. " * 200)
    real_read = os.read
    hooked = []

    def read_while_writer_appends(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        if not hooked and os.readlink(f"/proc/self/fd/{fd}") == str(path.resolve()):
            hooked.append(True)
            with open(path, "ab") as writer:
                writer.write(b"The second half, written while the first was read.")
        return chunk

    monkeypatch.setattr(os, "read", read_while_writer_appends)
    log = ingest()
    monkeypatch.undo()

    assert hooked, "the reader no longer uses os.read: rewrite this test's hook"
    row = log.filter(source_path="still-writing.txt").row(0, named=True)
    assert row["status"] == "rejected" and "changed while" in row["reason"]
    assert _rows(warehouse_con, "select * from raw.documents where source_path = 'still-writing.txt'") == []
    assert _rows(warehouse_con, "select * from raw.sources where source_path = 'still-writing.txt'") == []
    # Once the writer is done, the next run takes the whole file.
    assert _statuses(ingest())["still-writing.txt"] == "new"
    assert _rows(warehouse_con, "select text from raw.documents where source_path = 'still-writing.txt'") == [
        (path.read_text(encoding="utf-8"),)
    ]


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("read", RuntimeError),  # a reader fails after earlier batches were written
        ("read", KeyboardInterrupt),  # Ctrl-C while files are read
        ("store", RuntimeError),  # writing the second batch to DuckDB fails
    ],
)
def test_failure_mid_ingest_leaves_raw_as_before(
    ingest,
    seeds: list[str],
    write_file,
    raw_snapshot,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    error: type[BaseException],
) -> None:
    ingest()
    for i in range(6):
        write_file(ingest.landing / f"later-{i}.txt", f"A later article, number {i}.\n".encode())
    changed = ingest.landing / seeds[0]
    write_file(changed, changed.read_bytes() + b"\nUpdated.\n", mtime_ns=changed.stat().st_mtime_ns + 10**9)
    (ingest.landing / seeds[1]).unlink()
    before = raw_snapshot()
    monkeypatch.setattr(ingest_module, "READ_BATCH_FILES", 2)
    calls = []
    name = "read_document" if where == "read" else "_store_batch"
    real = getattr(ingest_module, name)

    def fail_on_a_later_call(*args, **kwargs):
        calls.append(1)
        if len(calls) == (5 if where == "read" else 2):
            raise error("failure in the middle of ingest")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_module, name, fail_on_a_later_call)

    with pytest.raises(error):
        ingest()

    assert raw_snapshot() == before
    monkeypatch.undo()
    log = ingest()
    assert _statuses(log)[seeds[0]] == "changed" and _statuses(log)[seeds[1]] == "deleted"
    assert sum(s == "new" for s in _statuses(log).values()) == 6


def test_batches_are_bounded_by_bytes(ingest, seeds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "READ_BATCH_BYTES", 15_000)
    progress = []

    log = ingest_landing(
        ingest.con,
        ingest.landing,
        run_id="r",
        now=ingest.now,
        max_bytes=100_000,
        progress=lambda done, total, done_bytes: progress.append((done, total)),
    )

    assert set(log["status"]) == {"new"}
    assert len(progress) >= 3 and progress[-1] == (5, 5)


def test_unlistable_folder_does_not_mark_its_files_deleted(
    ingest, write_file, warehouse_con, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_file(ingest.landing / "sub" / "article.txt", b"An article in a sub-folder.\n")
    write_file(ingest.landing / "top.txt", b"An article at the top.\n")
    ingest()
    sub = str(ingest.landing / "sub")
    real_scandir, real_listdir = os.scandir, os.listdir

    # Permissions do not stop root, so the folder's listing fails as a chmod 000 would make it.
    def refuse(real):
        def listing(path="."):
            if os.fspath(path).rstrip("/") == sub:
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path)

        return listing

    monkeypatch.setattr(os, "scandir", refuse(real_scandir))
    monkeypatch.setattr(os, "listdir", refuse(real_listdir))
    log = ingest()
    monkeypatch.undo()

    assert _statuses(log) == {"sub/": "rejected", "top.txt": "unchanged"}
    assert "Permission denied" in log.filter(source_path="sub/")["reason"].item()
    assert _rows(warehouse_con, "select deleted_at from raw.sources where source_path = 'sub/article.txt'") == [(None,)]
