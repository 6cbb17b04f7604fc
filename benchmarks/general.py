"""Quantity extraction on general English news, against the gold lists in tests/data/general/.

    python -m benchmarks.general                  # value F1 and value+unit F1 of g01-g20
    python -m benchmarks.general --show-misses    # also the misses, spurious facts and unit disagreements
    python -m benchmarks.general --set held       # g21-g40: held back, scored once at the end

The texts are read from ../shared/general-news/ (NEWSFACTS_GENERAL_NEWS overrides); they are never copied here.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

import polars as pl

from benchmarks.accuracy import Scores, _same_value, extract, read_texts

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "tests" / "data" / "general"
CORPUS_CANDIDATES = (ROOT.parent / "shared" / "general-news", Path("/work/shared/general-news"))
SETS = {"dev": [f"g{i:02d}" for i in range(1, 21)], "held": [f"g{i:02d}" for i in range(21, 41)]}
GOLD_FILES = {"dev": "quantities_g01-g20.csv", "held": "quantities_g21-g40.csv"}
# Our canonical unit names where the gold's spelling differs; the rest are spelled alike.
GOLD_UNIT = {"tons": "tonne", "ton": "tonne", "ha": "hectare", "m": "metre", "foot": "feet"}


def corpus_dir() -> Path:
    """The general-news folder: NEWSFACTS_GENERAL_NEWS, else ../shared/general-news beside the project."""
    if "NEWSFACTS_GENERAL_NEWS" in os.environ:
        return Path(os.environ["NEWSFACTS_GENERAL_NEWS"])
    return next((p for p in CORPUS_CANDIDATES if (p / "texts").is_dir()), CORPUS_CANDIDATES[0])


def read_gold(set_name: str) -> list[dict[str, str]]:
    """Gold quantities of one set; none when the file is not there yet."""
    path = GOLD_DIR / GOLD_FILES[set_name]
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unit_label(unit: str | None, per: str | None) -> str:
    """A predicted unit as the gold writes it: `USD/barrel`, `count/day`, `tonne`."""
    label = GOLD_UNIT.get(unit or "", unit or "")
    for word in (per or "").split("/"):
        if word:
            label += "/" + GOLD_UNIT.get(word, word)
    return label


def score(predicted: pl.DataFrame, gold: list[dict[str, str]], *, with_unit: bool) -> Scores:
    """Facts matched by overlapping span and equal value (and, `with_unit`, the same unit)."""
    scores = Scores(gold=len(gold), predicted=predicted.height)
    by_doc: dict[str, list[dict]] = {}
    for row in predicted.iter_rows(named=True):
        by_doc.setdefault(row["doc_id"], []).append(row)
    used: set[tuple[str, int]] = set()
    for g in gold:
        start, end, value = int(g["char_start"]), int(g["char_end"]), float(g["value"])
        candidates = [
            p
            for p in by_doc.get(g["doc"], [])
            if (g["doc"], p["char_start"]) not in used
            and p["char_start"] < end
            and start < p["char_end"]
            and p["value"] is not None
            and _same_value(p["value"], value)
        ]
        if with_unit:
            candidates = [p for p in candidates if unit_label(p["unit"], p["per"]) == g["unit"]]
        if not candidates:
            near = [p for p in by_doc.get(g["doc"], []) if p["char_start"] < end and start < p["char_end"]]
            got = "; ".join(f"{p['surface']!r} = {p['value']} {unit_label(p['unit'], p['per'])}" for p in near)
            scores.misses.append(f"{g['doc']} {g['surface']!r} = {value} {g['unit']} [{g['kind']}]  got: {got or '-'}")
            continue
        used.add((g["doc"], candidates[0]["char_start"]))
        scores.matched += 1
    for doc, rows in by_doc.items():
        for p in rows:
            if (doc, p["char_start"]) not in used:
                scores.spurious.append(f"{doc} {p['surface']!r} = {p['value']} {unit_label(p['unit'], p['per'])}")
    return scores


def score_set(set_name: str, corpus: Path) -> dict[str, Scores]:
    """Value and value+unit scores of one set."""
    docs = SETS[set_name]
    predicted = extract(read_texts(corpus, docs))["stg_quantities"]
    gold = read_gold(set_name)
    return {"value": score(predicted, gold, with_unit=False), "value_unit": score(predicted, gold, with_unit=True)}


def figures(scores: dict[str, Scores]) -> dict[str, float]:
    """The headline figures of a set's scores, rounded."""
    out: dict[str, float] = {"gold": scores["value"].gold, "predicted": scores["value"].predicted}
    for name, s in scores.items():
        out |= {
            f"{name}_precision": round(s.precision, 3),
            f"{name}_recall": round(s.recall, 3),
            f"{name}_f1": round(s.f1, 3),
        }
    return out


def print_misses(scores: dict[str, Scores]) -> None:
    """The misses, spurious facts and unit disagreements of a set's scores."""
    for title, items in [
        ("value missed", scores["value"].misses),
        ("value spurious", scores["value"].spurious),
        ("value+unit missed", scores["value_unit"].misses),
    ]:
        print(f"  -- {title} ({len(items)})")
        for item in items:
            print(f"     {item}")


def main(argv: list[str] | None = None) -> int:
    """Command line: print the scores of each set asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["dev", "held"], default="dev")
    parser.add_argument("--show-misses", action="store_true", help="list misses and spurious facts")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    corpus = corpus_dir()
    if not (corpus / "texts").is_dir():
        print(f"general-news texts not found at {corpus} (set NEWSFACTS_GENERAL_NEWS)", file=sys.stderr)
        return 2
    if not read_gold(args.set):
        print(f"no gold for {args.set} yet ({GOLD_DIR / GOLD_FILES[args.set]})", file=sys.stderr)
        return 2
    scores = score_set(args.set, corpus)
    result = figures(scores)
    print(f"== {args.set} ({GOLD_FILES[args.set]})")
    for key, value in result.items():
        print(f"  {key:24} {value}")
    if args.show_misses:
        print_misses(scores)
    if args.json:
        args.json.write_text(json.dumps({args.set: result}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
