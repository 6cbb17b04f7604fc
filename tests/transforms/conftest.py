"""Fixtures for the text transforms: the curated vocabulary and frames built from inline texts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from transforms.clean import classify_lines, split_lines
from transforms.reference import load_vocabulary
from transforms.segment import split_sentences
from transforms.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]

DocBuilder = Callable[[str], pl.LazyFrame]


def one_doc(text: str, doc_id: str = "d") -> pl.LazyFrame:
    """A raw-documents frame holding one text."""
    return pl.LazyFrame({"doc_id": [doc_id], "text": [text]}, schema={"doc_id": pl.String, "text": pl.String})


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    """The reference vocabulary of `seeds/reference/`."""
    return load_vocabulary(ROOT / "seeds" / "reference")


@pytest.fixture(scope="session")
def doc() -> DocBuilder:
    """Builder of a one-document raw frame."""
    return one_doc


@pytest.fixture(scope="session")
def lines_of(vocab: Vocabulary) -> DocBuilder:
    """Builder of the classified lines of one text."""
    return lambda text: classify_lines(split_lines(one_doc(text)), vocab)


@pytest.fixture(scope="session")
def sentences_of(lines_of: DocBuilder) -> DocBuilder:
    """Builder of the sentences of one text."""
    return lambda text: split_sentences(lines_of(text))


def _assert_spans(text: str, frame: pl.DataFrame, column: str) -> None:
    for row in frame.iter_rows(named=True):
        assert text[row["char_start"] : row["char_end"]] == row[column], row


@pytest.fixture(scope="session")
def assert_spans() -> Callable[[str, pl.DataFrame, str], None]:
    """Check that every row's `char_start`/`char_end` cut its text column out of the original text."""
    return _assert_spans
