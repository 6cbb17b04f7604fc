"""Whether the extraction still gives the same staging frames as a saved baseline.

    python -m benchmarks.parity_extract --save /tmp/extract-baseline    # before a change
    python -m benchmarks.parity_extract --check /tmp/extract-baseline   # after it

The documents are `seeds/raw/*.txt`, the first `--docs` files of the `--mb` corpus, and the first
`--vietnamese` of those again with surnames and place names spelled with their diacritics ("Nguyễn",
"Thái Bình"), so that sentences with non-ASCII letters are covered too, and the texts of every `--texts`
folder (the dev corpus and the general news, read where they are, never copied); they are extracted in batches
of `--batch-docs` like the benchmark does. Each staging frame is written to (or compared with)
`<folder>/<table>.parquet`, rows sorted by every column so that row order does not matter.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from benchmarks import corpus
from benchmarks.run import MB, ROOT, corpus_files


def documents(mb: float, limit: int, vietnamese: int, texts: list[Path] | None = None) -> pl.DataFrame:
    """Seed articles, the first `limit` corpus documents, `vietnamese` respelled, `texts` folders: `doc_id`, `text`."""
    corpus.generate(mb)
    files = sorted((ROOT / "seeds" / "raw").glob("*.txt")) + corpus_files(corpus.default_folder(mb))[:limit]
    docs = pl.DataFrame(
        {
            "doc_id": [f"{p.parent.name}/{p.stem}" for p in files],
            "text": [p.read_bytes().decode("utf-8") for p in files],
        }
    )
    extra = sorted(p for folder in texts or [] for p in folder.glob("*.txt"))
    others = pl.DataFrame(
        {
            "doc_id": [f"{p.parent.parent.name}/{p.stem}" for p in extra],
            "text": [p.read_bytes().decode("utf-8") for p in extra],
        },
        schema={"doc_id": pl.String, "text": pl.String},
    )
    return pl.concat([docs, in_vietnamese(docs.head(vietnamese)), others])


def ascii_fold(word: str) -> str:
    """The word without its diacritics ("Nguyễn" -> "Nguyen")."""
    decomposed = unicodedata.normalize("NFD", word.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def in_vietnamese(docs: pl.DataFrame) -> pl.DataFrame:
    """The documents with surnames and place names written with their diacritics, under `vi/` ids."""
    from transforms.reference import load_vocabulary

    vocab = load_vocabulary(ROOT / "seeds" / "reference")
    # Sorted: `words` comes in no fixed order, and two spellings fold alike ("Lương", "Lường"), so the
    # respelled documents, and the baseline with them, changed from run to run.
    spellings = {ascii_fold(w): w for w in sorted(vocab.words("surnames", "surname")) if ascii_fold(w) != w}
    places = vocab.table("places").drop_nulls("name_vi")
    spellings |= dict(zip(places["name"], places["name_vi"], strict=True))
    words = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(spellings, key=len, reverse=True))) + r")\b")
    return pl.DataFrame(
        {
            "doc_id": ["vi/" + d for d in docs["doc_id"]],
            "text": [words.sub(lambda m: spellings[m.group()], t) for t in docs["text"]],
        }
    )


def extract(docs: pl.DataFrame, batch_docs: int) -> dict[str, pl.DataFrame]:
    """Every staging frame of `docs`, batch by batch, in a canonical row order."""
    from transforms.extract import collect_all, extract_documents
    from transforms.reference import load_vocabulary

    vocab = load_vocabulary(ROOT / "seeds" / "reference")
    batches = [collect_all(extract_documents(batch.lazy(), vocab)) for batch in docs.iter_slices(batch_docs)]
    return {name: canonical(pl.concat([b[name] for b in batches])) for name in batches[0]}


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame sorted by all of its columns, document and position first."""
    first = [c for c in ("doc_id", "sentence_no", "char_start", "char_end") if c in frame.columns]
    return frame.sort([*first, *(c for c in frame.columns if c not in first)], nulls_last=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="folder to write the baseline to")
    mode.add_argument("--check", type=Path, help="folder of the baseline to compare with")
    parser.add_argument("--mb", type=float, default=20, help="corpus to take the documents from")
    parser.add_argument("--docs", type=int, default=1500, help="corpus documents after the seed articles")
    parser.add_argument("--vietnamese", type=int, default=300, help="documents respelled with diacritics")
    parser.add_argument("--batch-docs", type=int, default=500, help="documents per extraction batch")
    parser.add_argument(
        "--texts", type=Path, action="append", help="a folder of .txt files to extract too (repeatable)"
    )
    args = parser.parse_args()

    docs = documents(args.mb, args.docs, args.vietnamese, args.texts)
    t0 = time.perf_counter()
    frames = extract(docs, args.batch_docs)
    secs = time.perf_counter() - t0
    mb = docs["text"].str.len_bytes().sum() / MB
    print(f"{docs.height} documents, {mb:.2f} MB extracted in {secs:.2f} s")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            frame.write_parquet(args.save / f"{name}.parquet")
            print(f"{name:<22}{frame.height:>8} rows saved")
        return
    failed = []
    for name, frame in frames.items():
        try:
            assert_frame_equal(frame, pl.read_parquet(args.check / f"{name}.parquet"))
            print(f"{name:<22}{frame.height:>8} rows identical")
        except AssertionError as err:
            failed.append(name)
            print(f"{name:<22}{frame.height:>8} rows DIFFER: {err}")
    missing = {p.stem for p in args.check.glob("*.parquet")} - set(frames)
    if failed or missing:
        sys.exit(f"parity broken: {', '.join(failed + sorted(missing))}")


if __name__ == "__main__":
    main()
