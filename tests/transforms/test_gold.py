"""End-to-end extraction of the five seed articles against the hand-written gold lists in `tests/data/`."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmarks.accuracy import UNLABELLED_METRICS
from transforms.extract import collect_all, extract_documents
from transforms.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "seeds" / "raw"
GOLD = ROOT / "tests" / "data"
FILES = sorted(p.name for p in RAW.glob("*.txt"))
# Metric and qualifier are judgement calls (GOLD.md); these floors catch regressions, not taste.
MIN_METRIC_AGREEMENT = 0.95
MIN_QUALIFIER_AGREEMENT = 0.90
MIN_PERSON_RECALL = 0.90


def _gold(name: str) -> pl.DataFrame:
    return pl.read_csv(GOLD / name, infer_schema=False, encoding="utf8")


def _squash(text: str | None) -> str | None:
    # 004 writes "Party Central Committee's" with NO-BREAK SPACEs; the gold uses plain spaces.
    return None if text is None else " ".join(text.split())


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {name: (RAW / name).read_text(encoding="utf-8") for name in FILES}


@pytest.fixture(scope="module")
def staged(vocab: Vocabulary, texts: dict[str, str]) -> dict[str, pl.DataFrame]:
    docs = pl.LazyFrame({"doc_id": list(texts), "text": list(texts.values())})
    return collect_all(extract_documents(docs, vocab))


@pytest.fixture(scope="module")
def quantity_pairs(staged: dict[str, pl.DataFrame]) -> list[tuple[dict, dict | None]]:
    """Each gold quantity with the extracted mention of the same surface, matched in text order."""
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in staged["stg_quantities"].sort("doc_id", "char_start").iter_rows(named=True):
        found[(row["doc_id"], row["surface"])].append(row)
    pairs = []
    for gold in _gold("gold_quantities.csv").iter_rows(named=True):
        candidates = found[(gold["file"], gold["surface"])]
        pairs.append((gold, candidates.pop(0) if candidates else None))
    return pairs


def test_seed_files_are_the_gold_files() -> None:
    # The gold lists describe exactly the five seed articles.
    assert set(_gold("gold_quantities.csv")["file"]) == set(FILES)


@pytest.mark.parametrize("file", FILES)
def test_gold_quantities_found_with_span_value_unit(
    file: str, quantity_pairs: list[tuple[dict, dict | None]], texts: dict[str, str]
) -> None:
    problems = []
    for gold, got in quantity_pairs:
        if gold["file"] != file:
            continue
        if got is None:
            problems.append(f"missing {gold['surface']!r}")
            continue
        if texts[file][got["char_start"] : got["char_end"]] != gold["surface"]:
            problems.append(f"span of {gold['surface']!r} is {got['char_start']}:{got['char_end']}")
        if not math.isclose(got["value"], float(gold["value"]), rel_tol=1e-9):
            problems.append(f"{gold['surface']!r}: value {got['value']} != {gold['value']}")
        if got["unit"] != gold["unit"]:
            problems.append(f"{gold['surface']!r}: unit {got['unit']} != {gold['unit']}")
    assert problems == []


def test_no_quantities_beyond_gold(staged: dict[str, pl.DataFrame]) -> None:
    # Precision: every extracted mention is a gold fact (years, dates, ordinals, document numbers and debris
    # are not facts). Durations and ages are facts since issue 22, of metrics the gold lists predate and do not
    # label: they are left out, as benchmarks.accuracy counts them apart (UNLABELLED_METRICS).
    gold = Counter(_gold("gold_quantities.csv").select("file", "surface").iter_rows())
    labelled = staged["stg_quantities"].filter(~pl.col("metric").is_in(UNLABELLED_METRICS))
    got = Counter(labelled.select("doc_id", "surface").iter_rows())
    assert got - gold == Counter()


def test_quantity_metric_and_qualifier_agreement(quantity_pairs: list[tuple[dict, dict | None]]) -> None:
    matched = [(gold, got) for gold, got in quantity_pairs if got is not None]
    metric_misses = [
        (g["file"][:3], g["surface"], g["metric"], m["metric"]) for g, m in matched if g["metric"] != m["metric"]
    ]
    qualifier_misses = [
        (g["file"][:3], g["surface"], g["qualifier"], m["qualifier"])
        for g, m in matched
        if g["qualifier"] != m["qualifier"]
    ]
    metric = 1 - len(metric_misses) / len(matched)
    qualifier = 1 - len(qualifier_misses) / len(matched)
    print(f"metric agreement {metric:.1%}, disagreements (file, surface, gold, got): {metric_misses}")
    print(f"qualifier agreement {qualifier:.1%}, disagreements (file, surface, gold, got): {qualifier_misses}")
    assert metric >= MIN_METRIC_AGREEMENT, metric_misses
    assert qualifier >= MIN_QUALIFIER_AGREEMENT, qualifier_misses


def test_gold_document_refs(staged: dict[str, pl.DataFrame]) -> None:
    got = staged["stg_document_refs"].select(
        pl.col("doc_id").alias("file"), "surface", "doc_type", "number", pl.col("issued_on").cast(pl.String)
    )
    want = _gold("gold_document_refs.csv")
    assert_frame_equal(got.sort(got.columns), want.sort(want.columns))


def test_gold_events(staged: dict[str, pl.DataFrame]) -> None:
    got = staged["stg_events"].select(
        pl.col("doc_id").alias("file"), "kind", pl.col("event_date").cast(pl.String), "date_text", "place"
    )
    want = _gold("gold_events.csv")
    assert_frame_equal(got.sort("file"), want.sort("file"))


def test_gold_person_roles_recall(staged: dict[str, pl.DataFrame]) -> None:
    gold = {
        (r["file"], _squash(r["name"]), _squash(r["title"]))
        for r in _gold("gold_person_roles.csv").iter_rows(named=True)
    }
    got = {
        (r["doc_id"], _squash(r["name"]), _squash(r["title"]))
        for r in staged["stg_person_mentions"].iter_rows(named=True)
    }
    misses = sorted(gold - got)
    recall = 1 - len(misses) / len(gold)
    print(f"person (name, title) recall {recall:.1%} of {len(gold)}; misses:")
    for miss in misses:
        print("  ", miss)
    assert recall >= MIN_PERSON_RECALL, misses
