"""Where the validation stage's time goes, on a warehouse the benchmark kept.

    python -m benchmarks.run --mb 20 --skip extract --skip quantulum --keep-work
    python -m benchmarks.profile_validate --warehouse /tmp/newsfacts-bench-20mb-XXXX/warehouse/newsfacts.duckdb

Runs the body of the `run-expectation-suites` task step by step on a copy of the warehouse:
Great Expectations once to warm up, then without and with Data Docs, then once more under
cProfile; prints seconds per step and the functions with the most cumulative time.

    python -m benchmarks.profile_validate --warehouse .../newsfacts.duckdb --memory

runs `expectations.validation.validate` itself instead, as a first run's validation (every check table
built and every row validated), and prints the process's RSS at the start and end of each of its steps
and the highest RSS within each (sampled every 20 ms).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import pstats
import shutil
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from benchmarks.run import MB, RESULTS_DIR, ROOT, RssSampler, machine

# The steps of `validate` whose memory --memory reports, by module.
MEMORY_STEPS = {
    "warehouse.quality_io": (
        "build_check_tables",
        "check_frames",
        "carried_flags",
        "record_results",
        "save_validation",
        "flagged_rows",
    ),
    "expectations.validation": ("run_checks",),
    "warehouse.models": ("build_flagged_marts",),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a warehouse built by the pipeline")
    parser.add_argument("--top", type=int, default=25, help="functions listed from the profile")
    parser.add_argument("--memory", action="store_true", help="RSS of each step of validate() instead")
    args = parser.parse_args()
    if args.memory:
        memory(args.warehouse)
        return

    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401 - timed on its own: the first run of a process pays it

    steps["import great_expectations"] = time.perf_counter() - t0

    from expectations.runner import run_checks
    from expectations.suites import all_checks, catalog
    from expectations.validation import DEBRIS_KINDS, SUITE_REFERENCE_TABLES
    from transforms.reference import load_vocabulary, read_reference
    from warehouse import db, models, quality_io

    reference_dir = ROOT / "seeds" / "reference"
    with tempfile.TemporaryDirectory(prefix="newsfacts-validate-") as tmp:
        work = Path(tmp) / "work.duckdb"
        shutil.copyfile(args.warehouse, work)
        vocab = load_vocabulary(reference_dir)
        reference = {name: read_reference(reference_dir, name) for name in SUITE_REFERENCE_TABLES}
        debris = [pattern for kind in DEBRIS_KINDS for pattern in vocab.patterns(kind)]
        checks = all_checks(reference, date.today())
        suites = catalog(checks)
        con = db.connect(work)
        t0 = time.perf_counter()
        quality_io.build_check_tables(con, debris)
        frames = quality_io.check_frames(con, suites)
        steps["build check tables (DuckDB) + to Arrow"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_checks(frames, checks, None)
        steps["run_checks, first call of the process"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        results, flags, _ = run_checks(frames, checks, None)
        steps["run_checks, without Data Docs"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_checks(frames, checks, Path(tmp) / "data_docs").data_docs.result()
        steps["run_checks, with Data Docs (as the pipeline)"] = time.perf_counter() - t0
        profiler = cProfile.Profile()
        profiler.enable()
        run_checks(frames, checks, Path(tmp) / "data_docs").data_docs.result()
        profiler.disable()
        t0 = time.perf_counter()
        quality_io.record_results(con, results, flags, suites, run_id="profile", checked_at=datetime.now())
        steps["record_results"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        con.execute(
            "insert into quality.validations values ('profile', ?, current_date, '', 'all', 0, 0, 0)", [datetime.now()]
        )
        flagged = models.build_flagged_marts(con, "profile")
        steps["build_flagged_marts (final models)"] = time.perf_counter() - t0
        con.close()

    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(args.top)
    rows = {name: len(frame) for name, frame in frames.items()}
    print(
        f"checks: {len(checks)}; check-table rows: {rows}; failing rows flagged: {flags.height}, marts rows {flagged}"
    )
    print(f"load {machine()['loadavg']}")
    for name, secs in steps.items():
        print(f"{name:<44}{secs:>8.2f} s")
    print(stream.getvalue())
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{time.strftime('%Y%m%dT%H%M%S')}-profile-validate.json"
    out.write_text(
        json.dumps({"machine": machine(), "checks": len(checks), "rows": rows, "steps_s": steps}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"written to {out.relative_to(ROOT)}")


def memory(warehouse: Path) -> None:
    """RSS through one first-run validation of a copy of `warehouse`, step by step."""
    import importlib

    import great_expectations  # noqa: F401 - imported before, as the pipeline preloads it

    from expectations.validation import Scope, validate

    windows: list[tuple[str, float, float]] = []

    def timed(name: str, fn: Any) -> Any:
        @functools.wraps(fn)
        def step(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            try:
                return fn(*args, **kwargs)
            finally:
                windows.append((name, start, time.time()))

        return step

    for module_name, names in MEMORY_STEPS.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, timed(name, getattr(module, name)))
    with tempfile.TemporaryDirectory(prefix="newsfacts-validate-") as tmp:
        work = Path(tmp) / "work.duckdb"
        shutil.copyfile(warehouse, work)
        with RssSampler(interval=0.02) as rss:
            start = time.time()
            outcome = validate(
                work,
                Scope(as_of=date.today(), validate_all=True),
                run_id="profile",
                checked_at=datetime.now(),
                docs_dir=Path(tmp) / "data_docs",
            )
            end = time.time()

    def at(moment: float) -> float:
        return min(rss.samples, key=lambda sample: abs(sample[0] - moment))[1] / MB

    top = max(rss.samples, key=lambda sample: sample[1])
    print(f"load {machine()['loadavg']}; {outcome.rows_validated:,} check rows validated, {outcome.flags:,} flags")
    print(f"validate: {end - start:.1f} s, RSS {at(start):,.0f} -> {at(end):,.0f} MB", end=", ")
    print(f"peak {top[1] / MB:,.0f} MB at {top[0] - start:.1f} s")
    print(f"{'step':<22}{'seconds':>14}{'RSS start':>11}{'end':>7}{'peak':>7}  (MB)")
    for name, begin, finish in sorted(windows, key=lambda window: window[1]):
        peak = max([at(begin), at(finish)] + [s[1] / MB for s in rss.samples if begin <= s[0] <= finish])
        span = f"{begin - start:>6.1f}-{finish - start:>6.1f} s"
        print(f"{name:<22}{span}{at(begin):>9,.0f}{at(finish):>7,.0f}{peak:>7,.0f}")


if __name__ == "__main__":
    main()
