"""Where the extraction's time goes: each transform step, each regex pass, and a cheaper plan.

    python -m benchmarks.profile_extract --mb 20 --docs 500

Steps are timed on materialised inputs (lines, then sentences), so each figure is that step's
own cost, in wall and CPU seconds (the CPU figure holds when other work shares the cores); the
per-batch set-up is the whole extraction of a one-document batch. Regex passes compare, per pattern:
a plain scan (`count_matches`), the same scan with the pattern `find_spans` uses for texts without a
non-ASCII letter (ASCII word boundaries and letter classes: Unicode `\\b` makes the regex engine leave
its DFA on non-ASCII text), the marking scan `find_spans` runs (every match wrapped in marks by one
`replace_all`, capture groups dropped), and the whole `find_spans`. Variants re-run the unchanged
transforms with the frames that several steps share (lines, sentences, place mentions) or every
step's frame collected once per batch; each checks that every staging frame comes out identical
to the pipeline's.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks import corpus
from benchmarks.run import MB, RESULTS_DIR, ROOT, corpus_files, machine


def cpu_seconds() -> float:
    """CPU time of this process, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[tuple[float, float], Any]:
    """Best wall and best CPU seconds of `repeat` calls, and the last result."""
    wall = cpu = float("inf")
    out = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), cpu_seconds()
        out = fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, cpu_seconds() - c0)
    return (wall, cpu), out


# Functions of transforms.extract whose frames are used more than once downstream.
SHARED = ("classify_lines", "split_sentences", "find_places", "article_places")
EVERY_STEP = (
    *SHARED,
    "build_articles",
    "find_quantities",
    "assign_metrics",
    "assign_periods",
    "assign_kinds",
    "assign_subjects",
)
VARIANTS = (
    ("as in the pipeline", ()),
    ("shared intermediates collected", SHARED),
    ("every step collected", EVERY_STEP),
)


@contextmanager
def patched(staged: tuple[str, ...]) -> Iterator[None]:
    """The extraction's module globals swapped for the variant, restored afterwards."""
    import importlib

    extract = importlib.import_module("transforms.extract")
    saved: list[tuple[Any, str, Any]] = []

    def swap(module: Any, name: str, value: Any) -> None:
        # A module that no longer has the function (the code moved on) keeps what it has.
        if hasattr(module, name):
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, value)

    def materialised(fn: Callable[..., pl.LazyFrame]) -> Callable[..., pl.LazyFrame]:
        return lambda *a, **k: fn(*a, **k).collect(engine="in-memory").lazy()

    for name in staged:
        swap(extract, name, materialised(getattr(extract, name)))
    try:
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


def regex_pass(text: pl.LazyFrame, column: str, pattern: str, find_spans: Callable[..., pl.LazyFrame]) -> dict:
    """Seconds of one pattern over one text column, four ways."""
    from transforms.spans import for_ascii_words, without_groups

    col = pl.col(column)
    marked = f"(?s)(?:{without_groups(for_ascii_words(pattern))})"
    return {
        "count_matches_s": seconds(lambda: text.select(col.str.count_matches(pattern))),
        "ascii_words_s": seconds(lambda: text.select(col.str.count_matches(for_ascii_words(pattern)))),
        "marked_scan_s": seconds(lambda: text.select(col.str.replace_all(marked, "\x00$0\x00"))),
        "find_spans_s": seconds(lambda: find_spans(text, column, pattern, match_col="_m")),
    }


def seconds(plan: Callable[[], pl.LazyFrame]) -> float:
    """Best wall seconds of collecting a plan with the pipeline's engine."""
    return round(timed(lambda: plan().collect(engine="in-memory"), repeat=3)[0][0], 3)


def secs_of(variant: dict) -> tuple[float, float]:
    """Wall and CPU seconds of a variant."""
    return variant["seconds"], variant["cpu_seconds"]


def same_frames(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> bool:
    """Every staging frame has the same rows (order aside)."""
    return all(a[n].sort(a[n].columns).equals(b[n].sort(b[n].columns)) for n in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20, help="corpus to take the batch from")
    parser.add_argument("--docs", type=int, default=500, help="documents in the batch")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each variant (the best is kept)")
    args = parser.parse_args()

    from transforms.articles import build_articles, publication_dates
    from transforms.clean import classify_lines, split_lines
    from transforms.documents import document_pattern, find_document_refs
    from transforms.events import EVENT_DATE, find_events
    from transforms.extract import collect_all, extract_documents
    from transforms.people import find_people, person_pattern, title_before_pattern
    from transforms.periods import PERIOD, assign_kinds, assign_periods
    from transforms.places import article_places, assign_subjects, find_places
    from transforms.quantities import assign_metrics, find_quantities, quantity_pattern
    from transforms.reference import load_vocabulary
    from transforms.segment import SENTENCE, split_sentences
    from transforms.spans import alternation, find_spans
    from transforms.vocabulary import place_names

    corpus.generate(args.mb)
    files = corpus_files(corpus.default_folder(args.mb))[: args.docs]
    data = [p.read_bytes() for p in files]
    mb = sum(len(d) for d in data) / MB
    docs = pl.DataFrame({"doc_id": [p.stem for p in files], "text": [d.decode("utf-8") for d in data]})
    vocab = load_vocabulary(ROOT / "seeds" / "reference")

    variants = []
    baseline: dict[str, pl.DataFrame] = {}
    for label, staged in VARIANTS:
        with patched(staged):
            (secs, cpu), out = timed(lambda: collect_all(extract_documents(docs.lazy(), vocab)), repeat=args.repeat)
        baseline = baseline or out
        variants.append(
            {
                "variant": label,
                "seconds": round(secs, 3),
                "cpu_seconds": round(cpu, 3),
                "identical_output": same_frames(baseline, out),
            }
        )
    steps: dict[str, tuple[float, float]] = {"whole extraction (collect_all)": (secs_of(variants[0]))}
    one = docs.head(1).lazy()
    # The optimizer's share of the set-up: planning every staging frame without running it.
    steps["planning (explain_all)"], _ = timed(
        lambda: pl.explain_all(list(extract_documents(docs.lazy(), vocab).values())), repeat=args.repeat
    )
    steps["per-batch set-up (1 document)"], _ = timed(
        lambda: collect_all(extract_documents(one, vocab)), repeat=args.repeat
    )
    steps["split_lines + classify_lines"], lines = timed(
        lambda: classify_lines(split_lines(docs.lazy()), vocab).collect(engine="in-memory")
    )
    steps["split_sentences"], sentences = timed(lambda: split_sentences(lines.lazy()).collect(engine="in-memory"))
    s = sentences.lazy()
    dates = publication_dates(lines.lazy()).collect()
    steps["find_places"], mentions = timed(lambda: find_places(s, dates.lazy(), vocab).collect(engine="in-memory"))
    places = article_places(mentions.lazy()).collect()
    steps["build_articles"], articles = timed(
        lambda: build_articles(lines.lazy(), places.lazy()).collect(engine="in-memory")
    )
    steps["find_quantities"], q = timed(lambda: find_quantities(s, vocab).collect(engine="in-memory"))
    steps["assign_metrics"], q2 = timed(lambda: assign_metrics(q.lazy(), s, vocab).collect(engine="in-memory"))
    steps["assign_periods"], q3 = timed(lambda: assign_periods(q2.lazy(), s, dates.lazy()).collect(engine="in-memory"))
    steps["assign_kinds"], q4 = timed(lambda: assign_kinds(q3.lazy(), s, dates.lazy()).collect(engine="in-memory"))
    steps["assign_subjects"], _ = timed(
        lambda: assign_subjects(q4.lazy(), mentions.lazy(), places.lazy(), s, vocab).collect(engine="in-memory")
    )
    steps["find_people"], _ = timed(lambda: find_people(s, vocab).collect(engine="in-memory"))
    steps["find_document_refs"], _ = timed(lambda: find_document_refs(s, vocab).collect(engine="in-memory"))
    steps["find_events"], _ = timed(lambda: find_events(s, articles.lazy(), vocab).collect(engine="in-memory"))

    names = place_names(vocab.table("places"))
    patterns = {
        # split_sentences runs extract_all(SENTENCE) directly; its spans column is not used.
        "sentence split (on lines)": SENTENCE,
        "quantity": quantity_pattern(vocab),
        "person (name - title)": person_pattern(vocab),
        "person (title name)": title_before_pattern(vocab),
        "place gazetteer": r"\b" + alternation(names["spelling"].to_list()) + r"\b",
        "document reference": document_pattern(vocab),
        "event date": EVENT_DATE,
        "period": PERIOD,
    }
    sentence_mb = sentences["sentence"].str.len_bytes().sum() / MB
    passes = []
    for name, pattern in patterns.items():
        frame, column = (lines, "line") if name.startswith("sentence") else (sentences, "sentence")
        passes.append({"pattern": name, **regex_pass(frame.lazy().select(column), column, pattern, find_spans)})

    result = {
        "machine": machine(),
        "batch": {"documents": len(files), "mb": round(mb, 3), "sentence_mb": round(sentence_mb, 3)},
        "steps_s": {k: round(v[0], 3) for k, v in steps.items()},
        "steps_cpu_s": {k: round(v[1], 3) for k, v in steps.items()},
        "regex_passes": passes,
        "variants": variants,
    }
    whole = steps["whole extraction (collect_all)"][0]
    print(
        f"batch: {len(files)} documents, {mb:.2f} MB ({sentence_mb:.2f} MB of sentences), "
        f"load {result['machine']['loadavg']}"
    )
    print(f"{'step':<34}{'seconds':>9}{'MB/s':>8}{'CPU s':>8}")
    for name, (secs, cpu) in steps.items():
        print(f"{name:<34}{secs:>9.2f}{mb / secs:>8.2f}{cpu:>8.2f}")
    parts = [v for k, v in steps.items() if k.startswith(("split", "find", "build", "assign"))]
    print(
        f"(sum of steps {sum(v[0] for v in parts):.2f} s, {sum(v[1] for v in parts):.2f} s CPU, vs {whole:.2f} s whole)"
    )
    print(f"\n{'variant of the same transforms':<34}{'seconds':>9}{'MB/s':>8}{'CPU s':>8}{'speed-up':>10}  identical")
    for v in variants:
        print(
            f"{v['variant']:<34}{v['seconds']:>9.2f}{mb / v['seconds']:>8.2f}{v['cpu_seconds']:>8.2f}"
            f"{whole / v['seconds']:>9.1f}x  {v['identical_output']}"
        )
    print(f"\n{'regex pass':<28}{'count':>8}{'ascii':>10}{'marked':>8}{'spans':>8}   (seconds)")
    for p in passes:
        print(
            f"{p['pattern']:<28}{p['count_matches_s']:>8.2f}{p['ascii_words_s']:>10.2f}"
            f"{p['marked_scan_s']:>8.2f}{p['find_spans_s']:>8.2f}"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{time.strftime('%Y%m%dT%H%M%S')}-profile-extract.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {Path(out).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
