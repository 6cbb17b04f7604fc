"""Accuracy of the extractor and the quality rules on the dev corpus, against the gold lists in tests/data/dev/.

    python -m benchmarks.accuracy                 # extraction scores of d01-d30, d31-d40 and d41-d55
    python -m benchmarks.accuracy --flags         # also false flags on the clean texts and planted errors caught
    python -m benchmarks.accuracy --set dev --show-misses
    python -m benchmarks.accuracy --set held2     # the held-back d56-d70: scored once, at the end of a round
    python -m benchmarks.accuracy --general held  # general news g21-g40 (held back) instead of g01-g20

General English news (benchmarks.general) is scored beside the dev corpus: g01-g20 unless `--general` says
otherwise (`none` leaves it out).

The corpus is read from ../shared/dev-corpus/ (NEWSFACTS_DEV_CORPUS overrides); its texts are never copied here.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "tests" / "data" / "dev"
# Beside the project; a clone elsewhere (CI clones into /tmp) finds the team's shared copy.
CORPUS_CANDIDATES = (ROOT.parent / "shared" / "dev-corpus", Path("/work/shared/dev-corpus"))
SETS = {
    "dev": [f"d{i:02d}" for i in range(1, 31)],
    "held": [f"d{i:02d}" for i in range(31, 41)],
    "dev2": [f"d{i:02d}" for i in range(41, 56)],
    "held2": [f"d{i:02d}" for i in range(56, 71)],
}
GOLD_FILES = {"dev": ("d01-d15", "d16-d30"), "held": ("d31-d40",), "dev2": ("d41-d55",), "held2": ("d56-d70",)}
# What `--set all` scores: every set but the one held back for the end of the round.
ALL_SETS = ("dev", "held", "dev2")
# A value read differently in the last digits (a rounding in the gold) is still the same figure.
VALUE_TOLERANCE = 1e-6
# Words that say what kind of place a name is, not which place: "Binh Duong province" is "Binh Duong".
_KIND_WORDS = {"province", "city", "the", "of", "provincial", "municipality", "project"}
# Words that say a unit's level ("Con Dao district", "Ly Son island district"): the level is compared apart.
_LEVEL_WORDS = {"district", "commune", "ward", "town", "township", "island", "islands", "special", "zone"}
# The administrative level of each kind of subject in the gold lists.
LEVEL_OF_KIND = {
    "country": "country",
    "region": "region",
    "province": "province",
    "city": "province",
    "district": "district",
    "commune": "commune",
}


def corpus_dir() -> Path:
    """The dev corpus folder: NEWSFACTS_DEV_CORPUS, else ../shared/dev-corpus beside the project or its clone."""
    if "NEWSFACTS_DEV_CORPUS" in os.environ:
        return Path(os.environ["NEWSFACTS_DEV_CORPUS"])
    return next((p for p in CORPUS_CANDIDATES if (p / "texts").is_dir()), CORPUS_CANDIDATES[0])


def read_texts(corpus: Path, docs: Iterable[str]) -> dict[str, str]:
    """Texts of the given documents, exactly as stored (no newline translation)."""
    texts = {}
    for doc in docs:
        with open(corpus / "texts" / f"{doc}.txt", encoding="utf-8", newline="") as handle:
            texts[doc] = handle.read()
    return texts


def read_gold(kind: str, set_name: str) -> list[dict[str, str]]:
    """Gold rows of one kind (`quantities`, `people`, `document_refs`) for one set."""
    rows: list[dict[str, str]] = []
    for part in GOLD_FILES[set_name]:
        path = GOLD_DIR / f"{kind}_{part}.csv"
        if path.exists():
            with open(path, encoding="utf-8", newline="") as handle:
                rows.extend(csv.DictReader(handle))
    return rows


def fold(text: str | None) -> str:
    """Lower case, no diacritics, single spaces: how two spellings of a name are compared."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().replace("-", " ").replace("’", "'").split())


def same_subject(predicted: str | None, gold: str | None) -> bool:
    """Whether two subject names denote the same entity, ignoring kind and level words and spelling."""
    ignored = _KIND_WORDS | _LEVEL_WORDS
    words_p = [w for w in fold(predicted).split() if w not in ignored]
    words_g = [w for w in fold(gold).split() if w not in ignored]
    return words_p == words_g


def level_of(kind: str | None) -> str:
    """The administrative level of a kind of subject; `local` for parks, projects, enterprises and the like."""
    return LEVEL_OF_KIND.get(kind or "", "local" if kind else "")


def gold_band(kind: str) -> str:
    """`province_and_above` or `below_province`: the two bands the subject figures are reported by."""
    return "province_and_above" if level_of(kind) in ("country", "region", "province") else "below_province"


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= VALUE_TOLERANCE * max(abs(a), abs(b), 1.0)


def _abs(value: float | None) -> float | None:
    return None if value is None else abs(value)


def _float(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


# Metrics the dev gold does not label (GOLD.md: durations and ages were "not facts" before issue 22). Such a
# prediction that matches no gold row is counted apart, not as spurious; the precision with them is given too.
UNLABELLED_METRICS = ("duration", "age")


@dataclass
class Scores:
    """Precision, recall and F1 of one kind of mention, with the misses to read."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    misses: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    # Predictions of a kind the gold does not label, matching no gold row: out of `predicted`.
    unlabelled: list[str] = field(default_factory=list)

    @property
    def precision_with_unlabelled(self) -> float:
        total = self.predicted + len(self.unlabelled)
        return self.matched / total if total else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Agreement:
    """Share of matched facts on which one attribute agrees with the gold."""

    total: int = 0
    agreed: int = 0
    disagreements: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.agreed / self.total if self.total else 1.0

    def add(self, ok: bool, what: str) -> None:
        self.total += 1
        self.agreed += ok
        if not ok:
            self.disagreements.append(what)


@dataclass
class Report:
    """Every extraction score of one set of documents."""

    set_name: str
    documents: int
    quantities: Scores
    metric: Agreement
    subject: Agreement
    subject_province_and_above: Agreement
    subject_below_province: Agreement
    subject_kind: Agreement
    unit: Agreement
    per: Agreement
    base: Agreement
    people: Scores
    document_refs: Scores

    def figures(self) -> dict[str, float]:
        """The headline figures, rounded."""
        return {
            "documents": self.documents,
            "quantities_precision": round(self.quantities.precision, 3),
            "quantities_recall": round(self.quantities.recall, 3),
            "quantities_f1": round(self.quantities.f1, 3),
            "durations_ages_unlabelled": len(self.quantities.unlabelled),
            "quantities_precision_with_them": round(self.quantities.precision_with_unlabelled, 3),
            "metric_accuracy": round(self.metric.accuracy, 3),
            "subject_accuracy": round(self.subject.accuracy, 3),
            "subject_accuracy_province_and_above": round(self.subject_province_and_above.accuracy, 3),
            "subject_accuracy_below_province": round(self.subject_below_province.accuracy, 3),
            "subject_facts_province_and_above": self.subject_province_and_above.total,
            "subject_facts_below_province": self.subject_below_province.total,
            "subject_kind_accuracy": round(self.subject_kind.accuracy, 3),
            "unit_accuracy": round(self.unit.accuracy, 3),
            "per_accuracy": round(self.per.accuracy, 3),
            "base_accuracy": round(self.base.accuracy, 3),
            "people_precision": round(self.people.precision, 3),
            "people_recall": round(self.people.recall, 3),
            "people_f1": round(self.people.f1, 3),
            "document_refs_f1": round(self.document_refs.f1, 3),
        }


def extract(texts: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Staging frames of the given texts, as a run would load them."""
    from transforms.extract import collect_all, extract_documents
    from transforms.reference import load_vocabulary

    vocab = load_vocabulary(ROOT / "seeds" / "reference")
    docs = pl.LazyFrame({"doc_id": list(texts), "text": list(texts.values())})
    return collect_all(extract_documents(docs, vocab))


def score_quantities(predicted: pl.DataFrame, gold: list[dict[str, str]]) -> tuple[Scores, dict[str, Agreement]]:
    """Facts matched by overlapping span and equal value; attribute agreement on the matched pairs."""
    scores = Scores(gold=len(gold), predicted=predicted.height)
    names = ("metric", "subject", "subject_province_and_above", "subject_below_province", "subject_kind", "unit", "per")
    agreements = {name: Agreement() for name in (*names, "base")}
    by_doc: dict[str, list[dict]] = {}
    for row in predicted.iter_rows(named=True):
        by_doc.setdefault(row["doc_id"], []).append(row)
    used: set[tuple[str, int]] = set()
    for g in gold:
        start, end, value = int(g["char_start"]), int(g["char_end"]), _float(g["value"])
        match = next(
            (
                p
                for p in by_doc.get(g["doc"], [])
                if (g["doc"], p["char_start"]) not in used
                and p["char_start"] < end
                and start < p["char_end"]
                # The dev gold writes a decline as a positive amount (GOLD.md); the extractor signs it (issue 22).
                and _same_value(_abs(p["value"]), _abs(value))
            ),
            None,
        )
        label = f"{g['doc']} {g['surface']!r}"
        if match is None:
            scores.misses.append(f"{label} = {value} {g['unit']}")
            continue
        used.add((g["doc"], match["char_start"]))
        scores.matched += 1
        agreements["metric"].add(match["metric"] == g["metric"], f"{label}: {match['metric']} != {g['metric']}")
        # A district's figure is right only when it names that district: the name and the level must agree.
        subject_ok = same_subject(match["subject"], g["subject"]) and (
            not g["subject"] or level_of(match.get("subject_kind")) == level_of(g["subject_kind"])
        )
        what = (
            f"{label}: {match['subject']!r} ({match.get('subject_source')}) != {g['subject']!r} ({g['subject_kind']})"
        )
        agreements["subject"].add(subject_ok, what)
        agreements[f"subject_{gold_band(g['subject_kind'])}"].add(subject_ok, what)
        agreements["subject_kind"].add(
            (match["subject_kind"] or "") == g["subject_kind"],
            f"{label}: {match['subject_kind']} != {g['subject_kind']}",
        )
        agreements["unit"].add(match["unit"] == g["unit"], f"{label}: {match['unit']} != {g['unit']}")
        agreements["per"].add((match.get("per") or "") == g["per"], f"{label}: {match.get('per')} != {g['per']!r}")
        agreements["base"].add((match.get("base") or "") == g["base"], f"{label}: {match.get('base')} != {g['base']!r}")
    for doc, rows in by_doc.items():
        for p in rows:
            if (doc, p["char_start"]) in used:
                continue
            what = f"{doc} {p['surface']!r} = {p['value']} {p['unit']}"
            if p.get("metric") in UNLABELLED_METRICS:
                scores.unlabelled.append(f"{what} [{p['metric']}]")
                scores.predicted -= 1
            else:
                scores.spurious.append(what)
    return scores, agreements


def score_sets(predicted: set[tuple[str, str]], gold: set[tuple[str, str]]) -> Scores:
    """Precision and recall of two sets of (document, key) pairs."""
    matched = predicted & gold
    return Scores(
        gold=len(gold),
        predicted=len(predicted),
        matched=len(matched),
        misses=sorted(" ".join(k) for k in gold - predicted),
        spurious=sorted(" ".join(k) for k in predicted - gold),
    )


def _ref_key(number: str) -> str:
    return fold(number).replace(" ", "")


def score_set(set_name: str, corpus: Path, docs: list[str] | None = None) -> Report:
    """Every extraction score of one set of documents (or of some of its documents) against its gold."""
    docs = docs or SETS[set_name]
    staged = extract(read_texts(corpus, docs))

    def gold(kind: str) -> list[dict[str, str]]:
        return [r for r in read_gold(kind, set_name) if r["doc"] in docs]

    quantities, agreements = score_quantities(staged["stg_quantities"], gold("quantities"))
    gold_people = {(r["doc"], fold(r["name"])) for r in gold("people")}
    found_people = {(r["doc_id"], fold(r["name"])) for r in staged["stg_person_mentions"].iter_rows(named=True)}
    gold_refs = {(r["doc"], _ref_key(r["number"])) for r in gold("document_refs")}
    found_refs = {(r["doc_id"], _ref_key(r["number"])) for r in staged["stg_document_refs"].iter_rows(named=True)}
    return Report(
        set_name=set_name,
        documents=len(docs),
        quantities=quantities,
        people=score_sets(found_people, gold_people),
        document_refs=score_sets(found_refs, gold_refs),
        **agreements,
    )


@dataclass(frozen=True)
class Plant:
    """An error planted into a copy of a dev text, and what must catch it."""

    doc: str
    old: str
    new: str
    surface: str
    rule: str
    suggested_value: float | None
    note: str


def read_plants() -> list[Plant]:
    """The planted-error recipes of tests/data/dev/planted_errors.csv."""
    with open(GOLD_DIR / "planted_errors.csv", encoding="utf-8", newline="") as handle:
        return [
            Plant(
                doc=r["doc"],
                old=r["old"],
                new=r["new"],
                surface=r["surface"],
                rule=r["rule"],
                suggested_value=_float(r["suggested_value"]),
                note=r["note"],
            )
            for r in csv.DictReader(handle)
        ]


def plant(corpus: Path, docs: Iterable[str], landing: Path, plants: Iterable[Plant]) -> None:
    """Copies of the texts in a landing folder, with the recipes applied."""
    landing.mkdir(parents=True, exist_ok=True)
    texts = read_texts(corpus, docs)
    for p in plants:
        if p.doc not in texts:
            continue
        if p.old not in texts[p.doc]:
            raise ValueError(f"recipe for {p.doc} no longer applies: {p.old!r} is not in the text")
        texts[p.doc] = texts[p.doc].replace(p.old, p.new, 1)
    for doc, text in texts.items():
        (landing / f"{doc}.txt").write_text(text, encoding="utf-8", newline="")


def read_flags(warehouse: Path) -> pl.DataFrame:
    """Every flagged fact of a built warehouse, with its document name, rules and note."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(
            """
            select
                replace(a.source_path, '.txt', '') as doc, q.char_start, q.char_end, q.surface, q.metric, q.subject,
                q.quality_status,
                q.quality_note, q.suggested_value, q.suggested_unit,
                (select string_agg(distinct f.rule, ',') from quality.dq_row_flags f
                 where f.row_key = q.fact_id and f.table_name = 'fct_quantities') as rules
            from marts.fct_quantities q join marts.dim_articles a using (article_id)
            where q.quality_status != 'ok'
            order by doc, q.char_start
            """
        ).pl()
    finally:
        con.close()


def run_pipeline(landing: Path, root: Path) -> Path:
    """A real `newsfacts run` over a landing folder; the warehouse file it built."""
    warehouse = root / "newsfacts.duckdb"
    command = [
        str(Path(sys.executable).with_name("newsfacts")), "run", "--source", str(landing),
        "--warehouse", str(warehouse), "--publish-dir", str(root / "published"),
    ]  # fmt: skip
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect"), "NEWSFACTS_DATA_DOCS_DIR": str(root / "docs")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if not warehouse.exists():
        raise RuntimeError(f"newsfacts run built no warehouse:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return warehouse


@dataclass
class FlagReport:
    """False flags on clean texts and planted errors caught, for one set."""

    set_name: str
    documents: int
    false_flags: list[dict]
    source_errors_flagged: int
    plants: int
    caught: list[dict]
    missed: list[dict]

    def figures(self) -> dict[str, float]:
        return {
            "false_flags": len(self.false_flags),
            "false_flags_per_20_articles": round(20 * len(self.false_flags) / self.documents, 2),
            "source_errors_flagged": self.source_errors_flagged,
            "planted": self.plants,
            "planted_caught": len(self.caught),
        }


def source_errors(set_name: str) -> list[tuple[str, int, int]]:
    """Spans of gold facts whose note says the source itself is wrong: flagging them is right."""
    return [
        (r["doc"], int(r["char_start"]), int(r["char_end"]))
        for r in read_gold("quantities", set_name)
        if "source error" in r.get("note", "").lower()
    ]


def _is_source_error(flag: dict, known: list[tuple[str, int, int]]) -> bool:
    return any(
        doc == flag["doc"] and start < flag["char_end"] and flag["char_start"] < end for doc, start, end in known
    )


def score_flags(
    set_name: str, corpus: Path, workdir: Path, build: Callable[[Path, Path], Path] | None = None
) -> FlagReport:
    """Runs the pipeline (`build(landing, root)`, a `newsfacts run` by default) on clean and on planted copies."""
    build = build or run_pipeline
    docs = SETS[set_name]
    clean_landing = workdir / f"{set_name}-clean" / "landing"
    plant(corpus, docs, clean_landing, [])
    clean = read_flags(build(clean_landing, clean_landing.parent))
    known = source_errors(set_name)
    false_flags = [r for r in clean.iter_rows(named=True) if not _is_source_error(r, known)]
    right_flags = clean.height - len(false_flags)
    plants = [p for p in read_plants() if p.doc in docs]
    caught: list[dict] = []
    missed: list[dict] = []
    if not plants:
        return FlagReport(set_name, len(docs), false_flags, right_flags, 0, caught, missed)
    planted_landing = workdir / f"{set_name}-planted" / "landing"
    plant(corpus, docs, planted_landing, plants)
    planted = read_flags(build(planted_landing, planted_landing.parent))
    for p in plants:
        rows = planted.filter((pl.col("doc") == p.doc) & (pl.col("surface") == p.surface))
        hit = rows.filter(pl.col("rules").str.contains(p.rule)) if rows.height else rows
        entry = {"doc": p.doc, "surface": p.surface, "rule": p.rule, "note": p.note}
        if hit.height:
            row = hit.row(0, named=True)
            entry |= {"quality_note": row["quality_note"], "suggested_value": row["suggested_value"]}
            suggestion_ok = p.suggested_value is None or _same_value(row["suggested_value"], p.suggested_value)
            (caught if suggestion_ok else missed).append(entry | {"suggestion_ok": suggestion_ok})
        else:
            missed.append(entry | {"flags": rows.to_dicts()})
    return FlagReport(set_name, len(docs), false_flags, right_flags, len(plants), caught, missed)


def main(argv: list[str] | None = None) -> int:
    """Command line: print the scores of each set, optionally with flags and misses."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all", help="all: every set but held2")
    parser.add_argument("--flags", action="store_true", help="run the pipeline for false flags and planted errors")
    parser.add_argument("--show-misses", action="store_true", help="list misses, spurious facts and disagreements")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--general",
        choices=["dev", "held", "none"],
        default="dev",
        help="general-news set scored beside the corpus: dev (g01-g20), held (g21-g40, held back) or none",
    )
    args = parser.parse_args(argv)
    corpus = corpus_dir()
    if not (corpus / "texts").is_dir():
        print(f"dev corpus not found at {corpus} (set NEWSFACTS_DEV_CORPUS)", file=sys.stderr)
        return 2
    out: dict[str, dict] = {}
    for set_name in ALL_SETS if args.set == "all" else [args.set]:
        report = score_set(set_name, corpus)
        out[set_name] = report.figures()
        print(f"== {set_name} ({', '.join(GOLD_FILES[set_name])})")
        for key, value in report.figures().items():
            print(f"  {key:24} {value}")
        if args.show_misses:
            for title, items in [
                ("quantities missed", report.quantities.misses),
                ("quantities spurious", report.quantities.spurious),
                ("durations and ages the gold does not label", report.quantities.unlabelled),
                ("metric", report.metric.disagreements),
                ("subject", report.subject.disagreements),
                ("subject kind", report.subject_kind.disagreements),
                ("unit", report.unit.disagreements),
                ("per", report.per.disagreements),
                ("base", report.base.disagreements),
                ("people missed", report.people.misses),
                ("people spurious", report.people.spurious),
                ("document refs missed", report.document_refs.misses),
                ("document refs spurious", report.document_refs.spurious),
            ]:
                print(f"  -- {title} ({len(items)})")
                for item in items:
                    print(f"     {item}")
        if args.flags:
            with tempfile.TemporaryDirectory(prefix="newsfacts-accuracy-") as tmp:
                flags = score_flags(set_name, corpus, Path(tmp))
            out[set_name] |= flags.figures()
            for key, value in flags.figures().items():
                print(f"  {key:24} {value}")
            for row in flags.false_flags:
                print(f"     false flag {row['doc']} {row['surface']!r} [{row['rules']}]: {row['quality_note']}")
            for row in flags.missed:
                print(f"     planted, missed {row['doc']} {row['surface']!r} ({row['rule']}): {row['note']}")
    if args.general != "none":
        out |= _general_news(args.general, show_misses=args.show_misses)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


def _general_news(set_name: str, *, show_misses: bool) -> dict[str, dict]:
    """Value and value+unit scores of a general-news set, printed; none when its texts or gold are absent."""
    from benchmarks import general

    corpus = general.corpus_dir()
    label = f"general-{set_name} ({general.GOLD_FILES[set_name]})"
    if not (corpus / "texts").is_dir() or not general.read_gold(set_name):
        print(f"== {label}: texts or gold not found, not scored (set NEWSFACTS_GENERAL_NEWS)")
        return {}
    scores = general.score_set(set_name, corpus)
    figures = general.figures(scores)
    print(f"== {label}")
    for key, value in figures.items():
        print(f"  {key:24} {value}")
    if show_misses:
        general.print_misses(scores)
    return {f"general-{set_name}": figures}


if __name__ == "__main__":
    sys.exit(main())
