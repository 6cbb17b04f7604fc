"""Publishing marts as Parquet: files equal to the marts, an honest manifest, atomic swaps, clean failures."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from warehouse import db
from warehouse.publish import PUBLISHED_MARTS, PublishError, publish, read_manifest

T0 = datetime(2024, 3, 1, 8, 0)


@pytest.fixture
def marts(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse whose published marts are tiny tables of varied column types."""
    con = db.connect(tmp_path / "warehouse.duckdb")
    db.create_schemas(con)
    for name in PUBLISHED_MARTS:
        if name == "fct_quantities":
            continue
        con.execute(f"""
            create table marts.{name} as
            select * from (values
                ('{name}-1', 'Bình Dương', 1::bigint, true, date '2024-01-31', timestamp '2024-02-01 10:00:00'),
                ('{name}-2', 'Nguyễn Văn Lợi', null, false, null, null)
            ) as t(row_id, label, amount, is_current, published_on, ingested_at)
        """)
    con.execute("""
        create table marts.fct_quantities as
        select * from (values
            ('q1', 'doc1', 1250.0::double, 'billion VND', 'ok', 10, 24),
            ('q2', 'doc1', 12.0::double, 'percent', 'flagged', 30, 33),
            ('q3', 'doc2', 2694.6::double, 'km2', 'ok', 0, 8)
        ) as t(quantity_id, doc_id, value, unit, quality_status, char_start, char_end)
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


@pytest.mark.parametrize("only_ok", [False, True])
def test_parquet_reads_back_equal_with_duckdb_polars_and_pyarrow(marts, tmp_path: Path, only_ok: bool) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1, only_ok=only_ok)

    for name in PUBLISHED_MARTS:
        where = " where quality_status = 'ok'" if only_ok and name == "fct_quantities" else ""
        expected = marts.sql(f"select * from marts.{name}{where}").pl()
        path = folder / "current" / name / "part-0.parquet"
        assert_frame_equal(pl.read_parquet(path), expected)
        assert pq.read_table(path).to_pylist() == expected.to_dicts()
        in_duckdb = f"read_parquet('{path}')"
        assert marts.execute(f"select count(*) from {in_duckdb}").fetchone()[0] == expected.height
        for left, right in ((f"marts.{name}{where}", in_duckdb), (in_duckdb, f"marts.{name}{where}")):
            missing = f"select * from (select * from {left}) except all select * from {right}"
            assert marts.execute(missing).fetchall() == []
    quantities = pl.read_parquet(folder / "current" / "fct_quantities" / "part-0.parquet")
    assert set(quantities["quality_status"]) == ({"ok"} if only_ok else {"ok", "flagged"})


def test_manifest_matches_the_files(marts, tmp_path: Path) -> None:
    folder = tmp_path / "published"
    manifest = _publish(marts, folder, 1, only_ok=True)

    assert read_manifest(folder) == json.loads(json.dumps(manifest, default=str))
    assert json.loads((folder / "current" / "manifest.json").read_text(encoding="utf-8")) == read_manifest(folder)
    assert manifest["run_id"] == "run-1" and manifest["path"] == "runs/run-1" and manifest["only_ok_rows"] is True
    assert set(manifest["tables"]) == set(PUBLISHED_MARTS)
    for name, table in manifest["tables"].items():
        (entry,) = table["files"]
        path = folder / "current" / entry["path"]
        schema = pq.read_schema(path)
        assert table["rows"] == pq.read_metadata(path).num_rows
        assert table["schema"] == [{"name": f.name, "type": str(f.type)} for f in schema]
        assert entry["sha256"] == _sha256(path)
        assert entry["bytes"] == path.stat().st_size
        assert table["only_ok_rows"] is (name == "fct_quantities")
    assert manifest["tables"]["fct_quantities"]["rows"] == 2


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

    assert manifest["tables"]["fct_quantities"]["rows"] == 2
    assert pq.read_metadata(folder / "current" / "fct_quantities" / "part-0.parquet").num_rows == 2


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


@pytest.mark.parametrize("failing_table", [0, 3, len(PUBLISHED_MARTS) - 1])
def test_full_disk_mid_write_fails_cleanly(
    marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_table: int
) -> None:
    folder = tmp_path / "published"
    _publish(marts, folder, 1)
    before = _state(folder)
    real_write = pq.write_table
    written = []

    def write_until_the_disk_is_full(table, where, **kwargs):
        if len(written) == failing_table:
            # A partial file is left behind, as a real full disk does.
            Path(where).write_bytes(b"PAR1")
            raise OSError(28, "No space left on device")
        written.append(where)
        return real_write(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_until_the_disk_is_full)

    with pytest.raises(PublishError, match=r"cannot publish to .*No space left on device.*publication is unchanged"):
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
