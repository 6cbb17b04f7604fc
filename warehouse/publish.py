"""Publishing validated marts as Parquet with a manifest, atomically.

Each publication is written to its own folder `runs/<run_id>/`; the symbolic link `current`
and `manifest.json` are then replaced atomically, so a reader sees the previous publication or
the new one, never half of one, and a failed run leaves the last good publication in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

PUBLISHED_MARTS = (
    "dim_articles",
    "dim_people",
    "dim_places",
    "fct_quantities",
    "fct_person_roles",
    "fct_document_refs",
    "fct_events",
)


class PublishError(RuntimeError):
    """Publishing failed; the previous publication is untouched."""


def publish(
    con: duckdb.DuckDBPyConnection,
    publish_dir: Path,
    *,
    run_id: str,
    published_at: datetime,
    only_ok: bool,
    keep: int,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write every published mart and the manifest; returns the manifest."""
    runs = publish_dir / "runs"
    staging = publish_dir / f".tmp-{run_id}"
    replaced = publish_dir / f".tmp-{run_id}-replaced"
    final = runs / run_id
    link = publish_dir / "current"
    manifest_tmp = publish_dir / "manifest.json.tmp"
    previous = os.readlink(link) if link.is_symlink() else None
    swapped = False
    try:
        runs.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(publish_dir)
        staging.mkdir()
        tables = {name: _write_table(con, name, staging, only_ok=only_ok) for name in PUBLISHED_MARTS}
        manifest = {
            "run_id": run_id,
            "published_at": published_at.isoformat(),
            "only_ok_rows": only_ok,
            "path": f"runs/{run_id}",
            "tables": tables,
            **(extra or {}),
        }
        _write_json(staging / "manifest.json", manifest)
        # Written before anything visible changes, so the last step is a rename that cannot run out of space.
        _write_json(manifest_tmp, manifest)
        if final.exists():
            # The same run published again (a retried task): its old folder may be `current`.
            os.replace(final, replaced)
        os.replace(staging, final)
        _swap_link(link, Path("runs") / run_id)
        swapped = True
        os.replace(manifest_tmp, publish_dir / "manifest.json")
    except BaseException as exc:
        state = _undo(publish_dir, run_id, previous=previous, swapped=swapped)
        if isinstance(exc, OSError):
            where = f" ({exc.filename})" if exc.filename else ""
            raise PublishError(f"cannot publish to {publish_dir}: {exc.strerror or exc}{where}; {state}") from exc
        if isinstance(exc, duckdb.Error):
            raise PublishError(f"cannot publish to {publish_dir}: reading the marts failed ({exc}); {state}") from exc
        raise
    shutil.rmtree(replaced, ignore_errors=True)
    _prune(runs, keep=keep, current=run_id)
    return manifest


def _remove_leftovers(publish_dir: Path) -> None:
    """Folders and files a crashed publication left behind (runs hold the lock, so none is in use)."""
    for leftover in publish_dir.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for name in ("current.tmp", "manifest.json.tmp"):
        (publish_dir / name).unlink(missing_ok=True)


def _undo(publish_dir: Path, run_id: str, *, previous: str | None, swapped: bool) -> str:
    """Put the previous publication back after a failure; says whether that worked."""
    final = publish_dir / "runs" / run_id
    replaced = publish_dir / f".tmp-{run_id}-replaced"
    try:
        if swapped and previous is not None:
            _swap_link(publish_dir / "current", Path(previous))
        elif swapped:
            (publish_dir / "current").unlink(missing_ok=True)
        if replaced.exists():
            shutil.rmtree(final, ignore_errors=True)
            os.replace(replaced, final)
        elif previous != f"runs/{run_id}":
            shutil.rmtree(final, ignore_errors=True)
    except OSError as exc:
        # Say so rather than claim the old publication is intact.
        return f"restoring the previous publication failed too ({exc.strerror or exc}): check {publish_dir / 'current'}"
    shutil.rmtree(publish_dir / f".tmp-{run_id}", ignore_errors=True)
    (publish_dir / "manifest.json.tmp").unlink(missing_ok=True)
    (publish_dir / "current.tmp").unlink(missing_ok=True)
    return "the previous publication is unchanged"


def _write_table(con: duckdb.DuckDBPyConnection, name: str, folder: Path, *, only_ok: bool) -> dict[str, Any]:
    filtered = only_ok and name == "fct_quantities"
    sql = f"select * from marts.{name}" + (" where quality_status = 'ok'" if filtered else "")
    table = con.sql(sql).to_arrow_table()
    (folder / name).mkdir()
    path = folder / name / "part-0.parquet"
    pq.write_table(table, path, compression="zstd")
    return {
        "rows": table.num_rows,
        "only_ok_rows": filtered,
        "schema": [{"name": f.name, "type": str(f.type)} for f in table.schema],
        "files": [{"path": f"{name}/{path.name}", "bytes": path.stat().st_size, "sha256": _sha256(path)}],
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: dict[str, Any], *, atomic: bool = False) -> None:
    target = path.with_name(path.name + ".tmp") if atomic else path
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    if atomic:
        os.replace(target, path)


def _swap_link(link: Path, target: Path) -> None:
    tmp = link.with_name(link.name + ".tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target, target_is_directory=True)
    os.replace(tmp, link)


def _prune(runs: Path, *, keep: int, current: str) -> None:
    versions = sorted((p for p in runs.iterdir() if p.is_dir()), key=_published_at, reverse=True)
    for old in versions[keep:]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def _published_at(run: Path) -> tuple[str, int]:
    # Folder times alone can tie on coarse file systems; the manifest says when the run published.
    try:
        published = json.loads((run / "manifest.json").read_text(encoding="utf-8"))["published_at"]
    except (OSError, ValueError, KeyError, TypeError):
        published = ""
    return published, run.stat().st_mtime_ns


def read_manifest(publish_dir: Path) -> dict[str, Any] | None:
    """The manifest of the current publication, if any."""
    path = publish_dir / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
