"""Query answers written out by DuckDB: CSV, JSON and Parquet files, or rows of text to print."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO

import pyarrow as pa

from warehouse.db import connect_memory

# COPY options per output format; Markdown is not a DuckDB format and is built from the text rows.
COPY_OPTIONS = {
    "csv": "format csv, header true",
    "tsv": "format csv, header true, delimiter '\t'",
    "json": "format json, array true",
    "parquet": "format parquet, compression zstd",
}


def write_answer(answer: pa.Table, fmt: str, target: Path) -> None:
    """`answer` written to the file `target` in `fmt` (csv, tsv, json, parquet or markdown)."""
    if fmt == "markdown":
        target.write_text(markdown(answer), encoding="utf-8")
        return
    con = connect_memory()
    try:
        con.register("answer", answer)
        literal = "'" + str(target).replace("'", "''") + "'"
        con.execute(f"copy (select * from answer) to {literal} ({COPY_OPTIONS[fmt]})")
    finally:
        con.close()


def stream_answer(answer: pa.Table, fmt: str, out: IO[str]) -> None:
    """`answer` in a text format (csv, tsv, json, markdown) written to the stream `out`."""
    with tempfile.TemporaryDirectory(prefix="newsfacts-answer-") as folder:
        path = Path(folder) / f"answer.{fmt}"
        write_answer(answer, fmt, path)
        with open(path, encoding="utf-8") as handle:
            shutil.copyfileobj(handle, out)
    if fmt == "json":
        out.write("\n")


def as_text(answer: pa.Table) -> list[tuple[str | None, ...]]:
    """Every value of `answer` as DuckDB prints it (`1 day`, `[1, 2]`, `{'a': 1}`); nulls stay None."""
    if not answer.num_columns:
        return []
    con = connect_memory()
    try:
        con.register("answer", answer)
        return con.execute("select cast(columns(*) as varchar) from answer").fetchall()
    finally:
        con.close()


def markdown(answer: pa.Table) -> str:
    """`answer` as a GitHub Markdown table."""

    def cell(value: str | None) -> str:
        return "" if value is None else value.replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(cell(name) for name in answer.column_names) + " |"]
    lines.append("|" + "|".join("---" for _ in answer.column_names) + "|")
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in as_text(answer)]
    return "\n".join(lines) + "\n"
