"""The build-then-swap protocol: failed, crashed and concurrent runs never damage the warehouse."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse import db

# A second process that takes the run lock or starts a build, says how far it got, then waits to be killed.
CHILD = """
import sys, time
from pathlib import Path
from warehouse import db

path, step = Path(sys.argv[1]), sys.argv[2]
if step == "lock":
    with db.run_lock(path, timeout_s=5):
        print("at lock", flush=True)
        time.sleep(60)
with db.run_lock(path, timeout_s=5):
    work = db.begin_build(path, "crashed")
    if step == "after_begin":
        print("at after_begin", flush=True)
        time.sleep(60)
    con = db.connect(work)
    con.execute("begin transaction")
    con.execute("insert into raw.runs select 'crash-' || i, now(), null, 'running', 'v', null from range(50000) t(i)")
    con.execute("delete from raw.runs where run_id = 'run-1'")
    if step == "mid_transaction":
        print("at mid_transaction", flush=True)
        time.sleep(60)
    con.execute("commit")
    con.execute("checkpoint")
    print("at after_checkpoint", flush=True)
    time.sleep(60)
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _runs(path: Path) -> list[tuple]:
    con = db.connect_read_only(path)
    try:
        return con.execute("select run_id, status from raw.runs order by run_id").fetchall()
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A committed warehouse holding one run row."""
    path = tmp_path / "warehouse.duckdb"
    work = db.begin_build(path, "run-1")
    con = db.connect(work)
    con.execute("insert into raw.runs values ('run-1', now(), now(), 'succeeded', 'v1', null)")
    con.close()
    db.commit_build(work, path)
    return path


def _child(path: Path, step: str) -> subprocess.Popen:
    """Start CHILD and wait until it reports reaching `step`."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), step], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if line.strip() != f"at {step}":
        proc.kill()
        pytest.fail(f"child did not reach {step}: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    return proc


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _builds(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(f".{path.name}.build-*"))


def test_committed_build_becomes_the_warehouse(warehouse: Path) -> None:
    work = db.begin_build(warehouse, "run-2")
    con = db.connect(work)
    con.execute("insert into raw.runs values ('run-2', now(), now(), 'succeeded', 'v1', null)")
    con.close()

    db.commit_build(work, warehouse)

    assert _runs(warehouse) == [("run-1", "succeeded"), ("run-2", "succeeded")]
    assert _builds(warehouse) == []


def test_failed_build_leaves_the_warehouse_byte_identical(warehouse: Path) -> None:
    before = _digest(warehouse)
    work = db.begin_build(warehouse, "run-2")
    con = db.connect(work)
    con.execute("delete from raw.runs")
    con.execute("create table marts.half_built as select * from range(1000)")
    con.close()

    db.abort_build(work)

    assert _digest(warehouse) == before
    assert _builds(warehouse) == []
    assert _runs(warehouse) == [("run-1", "succeeded")]


def test_abort_with_the_build_still_open_leaves_the_warehouse_byte_identical(warehouse: Path) -> None:
    before = _digest(warehouse)
    work = db.begin_build(warehouse, "run-2")
    con = db.connect(work)
    con.execute("begin transaction")
    con.execute("delete from raw.runs")

    db.abort_build(work)
    con.close()

    assert _digest(warehouse) == before
    assert _runs(warehouse) == [("run-1", "succeeded")]


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",  # random bytes where the database was
        "truncated",  # the first 4 KiB of a real warehouse, as a full disk during a copy leaves it
        "empty",  # zero bytes
    ],
)
def test_corrupt_warehouse_is_reported_and_full_refresh_starts_empty(warehouse: Path, damage: str) -> None:
    if damage == "garbage":
        warehouse.write_bytes(os.urandom(64 * 1024))
    elif damage == "truncated":
        warehouse.write_bytes(warehouse.read_bytes()[:4096])
    else:
        warehouse.write_bytes(b"")
    damaged = _digest(warehouse)

    with pytest.raises(db.WarehouseError, match="--full-refresh"):
        db.begin_build(warehouse, "run-2")
    with pytest.raises(db.WarehouseError, match="--full-refresh"):
        db.connect_read_only(warehouse)
    assert _digest(warehouse) == damaged
    assert _builds(warehouse) == []

    work = db.begin_build(warehouse, "run-3", full_refresh=True)
    con = db.connect(work)
    assert con.execute("select count(*) from raw.runs").fetchone() == (0,)
    assert con.execute("select count(*) from raw.documents").fetchone() == (0,)
    con.close()
    db.commit_build(work, warehouse)
    assert _runs(warehouse) == []


def test_full_refresh_of_a_readable_warehouse_keeps_raw_history(warehouse: Path) -> None:
    work = db.begin_build(warehouse, "run-2", full_refresh=True)
    con = db.connect(work)
    assert con.execute("select run_id from raw.runs").fetchall() == [("run-1",)]
    con.close()
    db.abort_build(work)


def test_missing_warehouse_is_reported_to_readers(tmp_path: Path) -> None:
    with pytest.raises(db.WarehouseError, match="newsfacts run"):
        db.connect_read_only(tmp_path / "missing.duckdb")


def test_second_run_times_out_with_warehouse_busy(warehouse: Path) -> None:
    holder = _child(warehouse, "lock")
    try:
        started = time.monotonic()
        with pytest.raises(db.WarehouseBusy, match="another newsfacts run"), db.run_lock(warehouse, timeout_s=1.0):
            pytest.fail("the lock was granted while another process held it")
        waited = time.monotonic() - started
    finally:
        _kill(holder)

    assert 1.0 <= waited < 2.5
    # The holder died with the lock held: the kernel released it.
    started = time.monotonic()
    with db.run_lock(warehouse, timeout_s=5.0):
        assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "step",
    [
        "after_begin",  # the private copy is made, nothing written yet
        "mid_transaction",  # rows written and deleted in an open transaction
        "after_checkpoint",  # the build is complete on disk but not swapped in
    ],
)
def test_kill_9_mid_build_leaves_the_warehouse_as_before(warehouse: Path, step: str) -> None:
    before = _digest(warehouse)
    child = _child(warehouse, step)
    assert _builds(warehouse), "the child should have a build file"
    _kill(child)

    assert _digest(warehouse) == before
    assert _runs(warehouse) == [("run-1", "succeeded")]

    with db.run_lock(warehouse, timeout_s=5.0):
        work = db.begin_build(warehouse, "next")
        assert _builds(warehouse) == [work.name]
        con = db.connect(work)
        assert con.execute("select run_id from raw.runs").fetchall() == [("run-1",)]
        con.close()
        db.commit_build(work, warehouse)
    assert _runs(warehouse) == [("run-1", "succeeded")]
    assert _builds(warehouse) == []
