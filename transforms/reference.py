"""The curated reference tables of `seeds/reference/`, read as the transforms need them."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.vocabulary import REFERENCE_TABLES, Vocabulary

# Files whose name differs from the table they feed.
_FILES = {"places": "provinces.csv"}


def read_reference(directory: Path, name: str) -> pl.DataFrame:
    """One reference CSV as a frame of strings (numbers are cast where they are used)."""
    path = directory / _FILES.get(name, f"{name}.csv")
    if not path.exists():
        raise FileNotFoundError(f"reference table {name!r} is missing: expected {path}")
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def load_vocabulary(directory: Path) -> Vocabulary:
    """Every reference table the transforms need."""
    return Vocabulary({name: read_reference(directory, name) for name in REFERENCE_TABLES})
