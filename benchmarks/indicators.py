"""How fast `newsfacts indicators` answers on a big warehouse (target: under 1 s at 100 MB).

Builds a warehouse from the synthetic corpus (`benchmarks.corpus`, variants of the sample articles: the same
places and metrics stated by thousands of articles, so indicators rest on long lists of facts), or reuses one,
then times the answer for the places with the most indicators, for a place written as articles write it, and for
a place with none: the answer alone (median of repeats, warm) and the whole command in a new process (cold).

    python -m benchmarks.indicators --mb 100
    python -m benchmarks.indicators --warehouse path/to/newsfacts.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks import corpus

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 5


def build(mb: float, work: Path) -> Path:
    """A warehouse of the `mb` MB corpus, made by one pipeline run on Prefect's embedded API."""
    folder = corpus.default_folder(mb)
    if not (folder / "corpus.json").exists():
        corpus.generate(mb, folder)
    warehouse = work / "newsfacts.duckdb"
    os.environ.update(
        {
            "PREFECT_HOME": str(work / "prefect"),
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            "NEWSFACTS_DATA_DOCS_DIR": str(work / "data_docs"),
        }
    )
    from flows.embedded_api import prefect_api
    from flows.settings import configure_prefect

    configure_prefect()
    with prefect_api() as api_ready:
        from flows.pipeline import newsfacts_pipeline

        api_ready()
        t0 = time.perf_counter()
        newsfacts_pipeline(source=folder, warehouse=warehouse, publish_dir=work / "published")
        print(f"built {warehouse} from {mb:g} MB in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return warehouse


def measure(warehouse: Path) -> dict:
    """Answer times for the busiest places, a written name and a place without indicators."""
    import duckdb

    from warehouse.indicators import indicators_answer

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        busiest = con.execute(
            "select place_id, count(*) as indicators, sum(n_mentions) as facts from marts.fct_indicators"
            " group by place_id order by facts desc limit 3"
        ).fetchall()
        size = {
            "warehouse_mb": round(warehouse.stat().st_size / 1e6, 1),
            "facts": con.execute("select count(*) from marts.fct_quantities").fetchall()[0][0],
            "indicators": con.execute("select count(*) from marts.fct_indicators").fetchall()[0][0],
        }
        # Every indicator stated by more than one article lists all of them: the articles of its facts.
        sources = con.execute(
            "with stated as (select indicator_id, list_sort(list(distinct article_id)) as articles"
            " from intermediate.int_indicator_facts group by indicator_id)"
            " select count(*), count(*) filter (where list_sort(indicators.article_ids) = stated.articles"
            " and len(indicators.article_ids) = indicators.n_articles)"
            " from marts.fct_indicators as indicators inner join stated using (indicator_id)"
            " where indicators.n_articles > 1"
        ).fetchall()[0]
        size["multi_article_indicators"], size["listing_all_their_articles"] = sources
        size["by_status"] = dict(
            con.execute("select status, count(*) from marts.fct_indicators group by status order by status").fetchall()
        )
        written = con.execute(
            "select lower(name) || ' province' from marts.dim_places where place_id = ?", [busiest[0][0]]
        ).fetchall()[0][0]
    finally:
        con.close()
    asks = [(place, {}) for place, _, _ in busiest]
    asks += [(written, {"period": "2023"}), ("Con Dao district", {})]
    answers = []
    for place, options in asks:
        times, rows = [], 0
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            _, answer = indicators_answer(warehouse, place, **options)
            times.append(time.perf_counter() - t0)
            rows = answer.num_rows
        answers.append({"place": place, **options, "rows": rows, "median_s": round(statistics.median(times), 4)})
    command = [str(Path(sys.executable).with_name("newsfacts")), "indicators", written, "--warehouse", str(warehouse)]
    t0 = time.perf_counter()
    subprocess.run([*command, "--format", "csv"], check=True, capture_output=True)
    cold = time.perf_counter() - t0
    return {**size, "answers": answers, "command_cold_s": round(cold, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=100, help="size of the synthetic corpus to build from")
    parser.add_argument("--warehouse", type=Path, help="time an existing warehouse instead of building one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsfacts-bench-") as work:
        warehouse = args.warehouse or build(args.mb, Path(work))
        result = {"measured_at": datetime.now().isoformat(timespec="seconds"), **measure(warehouse)}
    if not args.warehouse:
        result["corpus_mb"] = args.mb
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{datetime.now():%Y%m%dT%H%M%S}-indicators.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
