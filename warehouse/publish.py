"""Publishing validated marts as Parquet with a manifest, atomically.

Each publication is written to its own folder `runs/<run_id>/`; the symbolic link `current`
and `manifest.json` are then replaced atomically, so a reader sees the previous publication or
the new one, never half of one, and a failed run leaves the last good publication in place.

Article-level marts are Hive-partitioned by the article's province (`dim_articles.province_place_id`) and
the year of its `published_at`: `<mart>/province=<place_id>/year=<year>/part-0.parquet`. The
partition values live in the folder names only, so a reader with Hive partitioning sees each column
once, `province` as a string and `year` as an integer. An article without a province or a date goes
to the Hive default partition, `province=__HIVE_DEFAULT_PARTITION__` or `year=__HIVE_DEFAULT_PARTITION__`,
which DuckDB, polars and pyarrow read back as null (pyarrow cannot infer the type of a key whose only
value is null: pass the partition schema then). An empty mart is one empty file in that partition, so
globs still match and show the columns. `dim_people` and `dim_places` are one file each,
`<mart>/part-0.parquet`. The manifest lists every table's files with sizes and checksums, its
partitioning keys, and its partitions with their values, rows, files and content fingerprint.

A publication is incremental: a partition whose rows have the same fingerprint (row count and the
sum of the rows' hashes, so row order does not matter) as in the current publication, under the
same columns, `only_ok` and writer, is hard-linked from it instead of written again. Files are never
modified in place, so a hard link keeps the bytes the previous run wrote, and pruning that run's
folder only removes a name. Every other partition is written with one `COPY` per table.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
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
    "fct_indicators",
    "documents",
)
# One row per article or per mention in an article: partitioned by the article's province and year.
PARTITIONED_MARTS = (
    "dim_articles",
    "fct_quantities",
    "fct_person_roles",
    "fct_document_refs",
    "fct_events",
    "documents",
)
# Published tables that are not a mart as such. `documents` holds the text every char_start/char_end counts
# characters of, so that `substr(text, char_start + 1, char_end - char_start) = surface` holds on the
# published files alone (joined on doc_id for fct_quantities, on article_id for the other facts).
SOURCES = {
    "documents": (
        "select articles.article_id, documents.doc_id, articles.source_path, documents.text,"
        " documents.sha256, sha256(documents.text) as text_sha256"
        " from marts.dim_articles as articles inner join raw.documents as documents"
        " on articles.doc_id = documents.doc_id"
    ),
}
# Quarantined articles (temporary table HELD_BACK, one article_id a row) are left out of every published
# table: their rows, their document, and the people no other article mentions (by dim_people.sql's key).
HELD_BACK = "_held_back"
NOT_HELD_BACK = f"(article_id is null or article_id not in (select article_id from {HELD_BACK}))"
PUBLISHED_PEOPLE = (
    "select left(md5(lower(strip_accents(mentions.name))), 16) from staging.stg_person_mentions as mentions"
    f" inner join marts.dim_articles as articles on mentions.doc_id = articles.doc_id"
    f" where articles.article_id not in (select article_id from {HELD_BACK})"
)
PARTITIONING = ("province", "year")
# What DuckDB, Hive, Spark, polars and pyarrow all write and read for a null partition value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PARQUET = "format parquet, compression zstd"
# A file written by another DuckDB or with other options may differ: part of what a fingerprint depends on.
WRITER = f"duckdb {duckdb.__version__}, {PARQUET}"
# DuckDB's hash() of the row as a struct; it treats 0.0 and -0.0 as equal, as `=` does.
CONTENT = "count(*):sum(hash(row))"


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
    quarantined: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write every published mart without the `quarantined` articles (each with its article_id) and the manifest.

    The manifest lists the quarantined articles as given, so that a reader knows what was held back.
    """
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
        reusable = _previous_publication(publish_dir, previous)
        held_back = [article["article_id"] for article in quarantined or []]
        con.execute(
            f"create or replace temp table {HELD_BACK} as select unnest(?::varchar[]) as article_id", [held_back]
        )
        tables = {
            name: _write_table(con, name, staging, only_ok=only_ok, held_back=bool(held_back), previous=reusable)
            for name in PUBLISHED_MARTS
        }
        con.execute(f"drop table {HELD_BACK}")
        manifest = {
            "run_id": run_id,
            "published_at": published_at.isoformat(),
            "only_ok_rows": only_ok,
            "path": f"runs/{run_id}",
            "tables": tables,
            "quarantined": quarantined or [],
            **(extra or {}),
        }
        text = json.dumps(manifest, indent=2, default=str)
        _write_text(staging / "manifest.json", text)
        # Written before anything visible changes, so the last step is a rename that cannot run out of space.
        _write_text(manifest_tmp, text)
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


class _Previous(NamedTuple):
    folder: Path
    tables: dict[str, Any]


def _previous_publication(publish_dir: Path, previous: str | None) -> _Previous | None:
    """The run folder `current` points to and the tables of its own manifest, if both can be read."""
    if previous is None:
        return None
    folder = publish_dir / previous
    try:
        tables = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tables"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _Previous(folder, tables) if isinstance(tables, dict) else None


def source_query(name: str, only_ok: bool, held_back: bool = False) -> str:
    """The rows table `name` is published with: without those of the articles in table HELD_BACK if `held_back`."""
    query = SOURCES.get(name, f"select * from marts.{name}")
    conditions = ["quality_status = 'ok'"] if only_ok and name == "fct_quantities" else []
    if held_back and name == "dim_people":
        conditions.append(f"person_id in ({PUBLISHED_PEOPLE})")
    elif held_back and name in PARTITIONED_MARTS:
        conditions.append(NOT_HELD_BACK)
    if not conditions:
        return query
    return f"select * from ({query}) as published where {' and '.join(conditions)}"


def _write_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    folder: Path,
    *,
    only_ok: bool,
    held_back: bool,
    previous: _Previous | None,
) -> dict[str, Any]:
    filtered = only_ok and name == "fct_quantities"
    mart = source_query(name, only_ok, held_back)
    partitioning = list(PARTITIONING) if name in PARTITIONED_MARTS else []
    target = folder / name
    fingerprint = {"content": CONTENT, "writer": WRITER, "only_ok_rows": only_ok, "columns": _columns(con, mart)}
    contents = _contents(con, mart, partitioning)
    old = _old_partitions(previous, name, fingerprint, partitioning)
    linked: dict[tuple, dict[str, Any]] = {}
    for key, content in contents.items():
        if key in old and old[key]["content"] == content and _link(old[key]["files"], previous.folder, folder):
            linked[key] = old[key]
    written = [key for key in contents if key not in linked]
    if not written:
        new_files = []
    elif not partitioning or contents == {_null_key(partitioning): "0:0"}:
        # Unpartitioned, or empty: DuckDB writes no partition for no rows, and a glob matching nothing is an error.
        single = target.joinpath(*(f"{key}={NULL_PARTITION}" for key in partitioning), "part-0.parquet")
        single.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({mart}) to {_literal(single)} ({PARQUET})")
        new_files = [single]
    else:
        scratch = folder / ".write" / name
        new_files = _copy_partitions(con, mart, partitioning, written if linked else None, target, scratch)
    partitions = {key: {**p, "files": [entry["path"] for entry in p["files"]]} for key, p in linked.items()}
    entries = {entry["path"]: entry for partition in linked.values() for entry in partition["files"]}
    for path in new_files:
        relative = path.relative_to(folder).as_posix()
        values = _partition_values(path.parent.relative_to(target))
        key = tuple(values.values())
        partition = partitions.setdefault(key, {**values, "rows": 0, "files": [], "content": contents.get(key)})
        partition["rows"] += pq.read_metadata(path).num_rows
        partition["files"].append(relative)
        entries[relative] = {"path": relative, "bytes": path.stat().st_size, "sha256": _sha256(path)}
    ordered = [partitions[key] for key in sorted(partitions, key=_nulls_last)]
    paths = [path for partition in ordered for path in partition["files"]]
    return {
        "rows": sum(p["rows"] for p in ordered),
        "only_ok_rows": filtered,
        "schema": [{"name": f.name, "type": str(f.type)} for f in pq.read_schema(folder / paths[0])],
        "partitioning": partitioning,
        "partition_types": _partition_types(con, mart, partitioning),
        "files": [entries[path] for path in paths],
        "partitions": ordered,
        "fingerprint": fingerprint,
        "written": len(written),
        "linked": len(linked),
    }


def _keyed(mart: str, columns: str) -> str:
    """`columns` of the mart's rows beside the partition keys taken from their article."""
    return (
        f"select {columns}, articles.province_place_id as province, year(articles.published_at) as year"
        f" from ({mart}) as mart left join marts.dim_articles as articles on mart.article_id = articles.article_id"
    )


def _partition_types(con: duckdb.DuckDBPyConnection, mart: str, partitioning: list[str]) -> dict[str, str]:
    """DuckDB type of each partition key, as a reader should declare it (pyarrow cannot infer it from nulls)."""
    if not partitioning:
        return {}
    keyed = f"select {', '.join(partitioning)} from ({_keyed(mart, '1 as one')})"
    return {column["name"]: column["type"] for column in _columns(con, keyed)}


def _columns(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, str]]:
    return [{"name": row[0], "type": row[1]} for row in con.execute(f"describe {query}").fetchall()]


def _contents(con: duckdb.DuckDBPyConnection, mart: str, partitioning: list[str]) -> dict[tuple, str]:
    """Each partition's `<rows>:<sum of its rows' hashes>`, the same whatever the order of the rows."""
    # A sum, not bit_xor: two identical rows would cancel out. Summed as hugeint, it cannot overflow.
    content = "count(*), coalesce(sum(row_hash), 0)::hugeint"
    if partitioning:
        keys = ", ".join(partitioning)
        query = f"select {keys}, {content} from ({_keyed(mart, 'hash(mart) as row_hash')}) group by {keys}"
    else:
        query = f"select {content} from (select hash(mart) as row_hash from ({mart}) as mart)"
    contents = {tuple(row[:-2]): f"{row[-2]}:{row[-1]}" for row in con.execute(query).fetchall()}
    # An empty mart is still one empty file, in the default partition.
    return contents or {_null_key(partitioning): "0:0"}


def _null_key(partitioning: list[str]) -> tuple[None, ...]:
    return tuple(None for _ in partitioning)


def _old_partitions(
    previous: _Previous | None, name: str, fingerprint: dict[str, Any], partitioning: list[str]
) -> dict[tuple, dict[str, Any]]:
    """The previous publication's partitions of this table, with their file entries, if comparable."""
    table = previous.tables.get(name) if previous else None
    if not isinstance(table, dict) or table.get("fingerprint") != fingerprint:
        return {}
    if table.get("partitioning") != partitioning:
        return {}
    try:
        files = {entry["path"]: entry for entry in table["files"]}
        return {
            tuple(partition[key] for key in partitioning): {
                **partition,
                "files": [files[p] for p in partition["files"]],
            }
            for partition in table["partitions"]
            if "content" in partition
        }
    except (KeyError, TypeError):
        # A damaged manifest: nothing in it is reused.
        return {}


def _link(files: list[dict[str, Any]], source: Path, folder: Path) -> bool:
    """Hard-link a previous partition's files into `folder`; False, leaving no link, if one cannot be."""
    made: list[Path] = []
    try:
        for entry in files:
            original, copy = source / entry["path"], folder / entry["path"]
            # The manifest's sha256 is carried over unread: a file of another size is not the one it describes.
            if original.stat().st_size != entry["bytes"]:
                break
            copy.parent.mkdir(parents=True, exist_ok=True)
            os.link(original, copy)
            made.append(copy)
        else:
            return True
    except OSError:
        # Another file system (EXDEV), no hard links there (EPERM), a file gone: it gets written instead.
        pass
    for copy in made:
        copy.unlink(missing_ok=True)
    return False


def _copy_partitions(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    partitioning: list[str],
    keys: list[tuple] | None,
    target: Path,
    scratch: Path,
) -> list[Path]:
    """Write the mart's partitions `keys` (all if None) into `target` with one partitioned COPY; the files."""
    query = _keyed(mart, "mart.*")
    parameters: list[Any] = []
    if keys is not None:
        types = {row[0]: row[1] for row in con.execute(f"describe {query}").fetchall()}
        row = "(" + ", ".join(f"?::{types[key]}" for key in partitioning) + ")"
        on = " and ".join(f"keyed.{key} is not distinct from wanted.{key}" for key in partitioning)
        query = (
            f"select keyed.* from ({query}) as keyed semi join (values {', '.join(row for _ in keys)})"
            f" as wanted({', '.join(partitioning)}) on {on}"
        )
        parameters = [value for key in keys for value in key]
    # COPY ... PARTITION_BY refuses a folder that already holds the linked partitions.
    into = scratch if target.exists() else target
    into.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy ({query}) to {_literal(into)} ({PARQUET},"
        f" partition_by ({', '.join(partitioning)}), filename_pattern 'part-{{i}}')",
        parameters,
    )
    files = sorted(into.rglob("*.parquet"))
    if into == target:
        return files
    moved = [target / path.relative_to(scratch) for path in files]
    for path, destination in zip(files, moved, strict=True):
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
    shutil.rmtree(scratch.parent)
    return moved


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


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


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
