"""What a run leaves behind, as canonical tables: the marts, the row flags and the published files.

`tests/flows/test_pipeline.py` compares the seed run with the copy kept in `tests/data/seed_run/`, so that
a change of layout (a module moved, a model split) cannot change what users read without a test saying so.
A deliberate change of behaviour rewrites the copy:

    NEWSFACTS_UPDATE_SNAPSHOT=1 pytest tests/flows/test_pipeline.py -k snapshot

and the diff of `tests/data/seed_run/` shows, row by row, what changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import polars as pl

SNAPSHOT_DIR = Path(__file__).resolve().parent / "data" / "seed_run"
# Columns that differ between two runs of the same inputs: clocks and run ids.
VOLATILE = {"run_id", "checked_at", "ingested_at", "extracted_at", "validated_at"}
# Whole texts (article bodies, documents) are kept as a digest, so that a diff stays readable.
TEXTS = {"body", "text"}


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.drop([c for c in frame.columns if c in VOLATILE])
    frame = frame.with_columns(
        pl.col(c).map_elements(_digest, return_dtype=pl.String) for c in frame.columns if c in TEXTS
    )
    # A list (an indicator's fact ids, a place's spellings) as its items joined by |, in their order.
    frame = frame.with_columns(
        pl.col(c).list.eval(pl.element().cast(pl.String)).list.join("|")
        for c, kind in frame.schema.items()
        if isinstance(kind, pl.List)
    )
    frame = frame.select(sorted(frame.columns)).cast({c: pl.String for c in frame.columns})
    return frame.sort(frame.columns, nulls_last=True)


def _digest(text: str) -> str:
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()


def snapshot(warehouse: Path, publish_dir: Path) -> dict[str, pl.DataFrame]:
    """Every mart, the run's row flags and expectation outcomes, and every published table read back."""
    tables = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        for mart in sorted(marts):
            tables[f"marts.{mart}"] = con.sql(f"select * from marts.{mart}").pl()
        for name in ("dq_row_flags", "dq_results"):
            tables[f"quality.{name}"] = con.sql(f"select * from quality.{name}").pl()
    finally:
        con.close()
    manifest = json.loads((publish_dir / "manifest.json").read_text(encoding="utf-8"))
    root = publish_dir / manifest["path"]
    for table, entry in sorted(manifest["tables"].items()):
        published = duckdb.sql(
            f"select * from read_parquet('{root / table}/**/*.parquet', hive_partitioning = true)"
        ).pl()
        assert published.height == entry["rows"], table
        tables[f"published.{table}"] = published
    return {name: _canonical(frame) for name, frame in tables.items()}


def write_snapshot(tables: dict[str, pl.DataFrame], folder: Path = SNAPSHOT_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")


def read_snapshot(folder: Path = SNAPSHOT_DIR) -> dict[str, pl.DataFrame]:
    return {path.stem: pl.read_csv(path, infer_schema=False) for path in sorted(folder.glob("*.csv"))}


def frame_diff(now: pl.DataFrame, kept: pl.DataFrame) -> pl.DataFrame:
    """Rows only in `now` (side "now") or only in the kept copy (side "kept")."""
    if now.columns != kept.columns:
        return pl.DataFrame({"side": ["columns"], "now": [str(now.columns)], "kept": [str(kept.columns)]})
    return pl.concat(
        [
            now.join(kept, on=now.columns, how="anti", nulls_equal=True).with_columns(side=pl.lit("now")),
            kept.join(now, on=now.columns, how="anti", nulls_equal=True).with_columns(side=pl.lit("kept")),
        ]
    )
