"""Publishing validated marts as Parquet with a manifest, atomically.

Each publication is written to its own folder `runs/<run_id>/`; the symbolic link `current`
and `manifest.json` are then replaced atomically, so a reader sees the previous publication or
the new one, never half of one, and a failed run leaves the last good publication in place.

Article-level marts are Hive-partitioned by the article's province (`dim_articles.place_id`) and
the year of its `published_at`: `<mart>/province=<place_id>/year=<year>/part-0.parquet`. The
partition values live in the folder names only, so a reader with Hive partitioning sees each column
once, `province` as a string and `year` as an integer. An article without a province or a date goes
to the Hive default partition, `province=__HIVE_DEFAULT_PARTITION__` or `year=__HIVE_DEFAULT_PARTITION__`,
which DuckDB, polars and pyarrow read back as null (pyarrow cannot infer the type of a key whose only
value is null: pass the partition schema then). An empty mart is one empty file in that partition, so
globs still match and show the columns. `dim_people` and `dim_places` are one file each,
`<mart>/part-0.parquet`. The manifest lists every table's files with sizes and checksums, its
partitioning keys, and its partitions with their values, rows and files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

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
# One row per article or per mention in an article: partitioned by the article's province and year.
PARTITIONED_MARTS = ("dim_articles", "fct_quantities", "fct_person_roles", "fct_document_refs", "fct_events")
PARTITIONING = ("province", "year")
# What DuckDB, Hive, Spark, polars and pyarrow all write and read for a null partition value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


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
        if isinstance(exc, duckdb.IOException):
            raise PublishError(f"cannot publish to {publish_dir}: writing Parquet failed ({exc}); {state}") from exc
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
    mart = f"select * from marts.{name}" + (" where quality_status = 'ok'" if filtered else "")
    partitioning = list(PARTITIONING) if name in PARTITIONED_MARTS else []
    target = folder / name
    if partitioning:
        keyed = (
            "select mart.*, articles.place_id as province, year(articles.published_at) as year"
            f" from ({mart}) as mart left join marts.dim_articles as articles on mart.article_id = articles.article_id"
        )
        con.execute(
            f"copy ({keyed}) to {_literal(target)} (format parquet, compression zstd,"
            f" partition_by ({', '.join(partitioning)}), filename_pattern 'part-{{i}}')"
        )
    if not list(target.rglob("*.parquet")):
        # Unpartitioned, or empty: DuckDB writes no partition for no rows, and a glob matching nothing is an error.
        single = target.joinpath(*(f"{key}={NULL_PARTITION}" for key in partitioning))
        single.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({mart}) to {_literal(single / 'part-0.parquet')} (format parquet, compression zstd)")
    files = sorted(target.rglob("*.parquet"))
    partitions: dict[tuple, dict[str, Any]] = {}
    for path in files:
        values = _partition_values(path.parent.relative_to(target))
        partition = partitions.setdefault(tuple(values.values()), {**values, "rows": 0, "files": []})
        partition["rows"] += pq.read_metadata(path).num_rows
        partition["files"].append(path.relative_to(folder).as_posix())
    ordered = [partitions[key] for key in sorted(partitions, key=_nulls_last)]
    paths = [path for partition in ordered for path in partition["files"]]
    return {
        "rows": sum(p["rows"] for p in ordered),
        "only_ok_rows": filtered,
        "schema": [{"name": f.name, "type": str(f.type)} for f in pq.read_schema(files[0])],
        "partitioning": partitioning,
        "files": [{"path": p, "bytes": (folder / p).stat().st_size, "sha256": _sha256(folder / p)} for p in paths],
        "partitions": ordered,
    }


def _partition_values(folders: Path) -> dict[str, str | int | None]:
    """Partition keys and values of a Hive folder path (`province=hanoi/year=2024`)."""
    values: dict[str, str | int | None] = {}
    for part in folders.parts:
        key, _, text = part.partition("=")
        value = unquote(text)
        values[key] = None if value == NULL_PARTITION else int(value) if key == "year" else value
    return values


def _nulls_last(values: tuple) -> tuple:
    return tuple((value is None, value if value is not None else 0) for value in values)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


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
