"""Running the suites with Great Expectations on pandas batches, and reading back their verdicts."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import json
import operator
import threading
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import polars as pl
import pyarrow as pa

from expectations.suites import ERROR, Check
from warehouse.quality_io import CHECK_KEY

DOCS_SITE = "newsfacts"
# Failing rows are named by the check table's key (its column CHECK_KEY), set as the frame's index
# `ROW_KEY`: GX then lists the keys of every failing row in one list instead of building a record (and a
# copy of the values) per row, which took most of the validation time on large tables.
ROW_KEY = "_row_key"
NOTHING_TO_CHECK = "no row to check in this run"
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW_KEY],
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
}
# From this many check rows validated, a full garbage collection (~0.5 s with GX loaded) frees what GX built.
COLLECT_ROWS = 100_000
RESULT_SCHEMA = {
    "suite": pl.String,
    "table_name": pl.String,
    "expectation": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "success": pl.Boolean,
    "element_count": pl.Int64,
    "unexpected_count": pl.Int64,
    "observed_value": pl.String,
    "note": pl.String,
}
FLAG_SCHEMA = {
    "table_name": pl.String,
    "row_key": pl.String,
    "expectation": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "quality_status": pl.String,
}


def preload() -> threading.Thread:
    """Import Great Expectations in a background thread while other stages run (it takes ~5 s).

    Failures are left to the import in `run_checks`, which reports them where they matter.
    """

    def _import() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module("great_expectations")

    thread = threading.Thread(target=_import, name="preload-great-expectations", daemon=True)
    thread.start()
    return thread


class Validation(NamedTuple):
    """What the suites found, and the Data Docs build, which may still be running."""

    results: pl.DataFrame
    flags: pl.DataFrame
    data_docs: Future[None]


def run_checks(
    tables: dict[str, pa.Table], checks: list[Check], docs_dir: Path | None = None, run_name: str | None = None
) -> Validation:
    """One row per check with its outcome, one row per failing row per check, and Data Docs into `docs_dir`.

    `tables` are the check tables' rows to validate (`quality_io.check_frames`); each becomes a pandas batch
    only while its suites run. `run_name` (the Prefect flow run id) names the validation in the Data Docs.
    The Data Docs are rendered in a thread (Python, ~0.7 s) while the caller stores the results (DuckDB,
    which releases the GIL); `data_docs.result()` waits for them and raises what rendering raised.
    """
    results: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    grouped: dict[str, dict[str, list[Check]]] = defaultdict(lambda: defaultdict(list))
    for check in checks:
        grouped[check.table][check.suite].append(check)
    gx: _Gx | None = None
    for table, suites in grouped.items():
        frame = tables[table].to_pandas(
            # Categorical strings: GX masks every column once per expectation, and masks of Arrow-backed
            # strings were a fifth of its time (the same results on the 200 MB benchmark's 253,586 rows).
            strings_to_categorical=True
        )
        for suite_name, declared in suites.items():
            rows, suite_checks = _suite_rows(frame, declared)
            batch = _batch(rows, suite_checks)
            # A check whose rows did not change this run has nothing to validate: GX costs ~0.1 s per expectation.
            todo = [c for c in suite_checks if _applies(c, batch)]
            results += [
                _result(c, success=True, element_count=0, unexpected_count=0, observed=NOTHING_TO_CHECK)
                for c in suite_checks
                if c not in todo
            ]
            if todo:
                gx = gx or _Gx(docs_dir)
                suite_results, suite_flags = gx.validate(suite_name, table, batch, todo, run_name)
                results += suite_results
                flags += suite_flags
        del frame, rows, batch
    docs = _done()
    if gx is not None:
        if sum(t.num_rows for t in tables.values()) >= COLLECT_ROWS:
            # What GX built around the batches (validators, batches, metric graphs) is held in reference
            # cycles: collected now, it is not held beside the DuckDB session that stores the results.
            gc.collect()
        if docs_dir is not None:
            # Once for every suite: an update action per checkpoint rebuilt the whole site each time.
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-docs")
            docs = executor.submit(gx.context.build_data_docs, site_names=[DOCS_SITE])
            executor.shutdown(wait=False)
    return Validation(pl.DataFrame(results, schema=RESULT_SCHEMA), pl.DataFrame(flags, schema=FLAG_SCHEMA), docs)


class _Gx:
    """An ephemeral Great Expectations context with one pandas data source, made on the first suite to run."""

    def __init__(self, docs_dir: Path | None) -> None:
        import great_expectations as gx  # slow to import: only when validating
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        # Per-metric progress bars flood the Prefect log; the stage logs its own outcome.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        if docs_dir is not None:
            docs_dir.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(
                DOCS_SITE,
                {
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self.source = self.context.data_sources.add_pandas("newsfacts")
        # One asset per check table; several suites may read one (chk_keys holds the keys of five marts).
        self.assets: dict[str, Any] = {}

    def validate(
        self, suite_name: str, table: str, batch: pd.DataFrame, checks: list[Check], run_name: str | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Results and flags of one suite on its batch."""
        from great_expectations.core.run_identifier import RunIdentifier

        gx, context = self.gx, self.context
        asset = self.assets.get(table) or self.assets.setdefault(table, self.source.add_dataframe_asset(name=table))
        batch_definition = asset.add_batch_definition_whole_dataframe(suite_name)
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=[_expectation(c) for c in checks]))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        # The definition runs itself, without a checkpoint: a checkpoint has no action here (Data Docs are built
        # once at the end) and checked and serialised its definitions again on every run.
        validation = definition.run(
            batch_parameters={"dataframe": batch}, result_format=RESULT_FORMAT, run_id=RunIdentifier(run_name=run_name)
        )
        self._release()
        by_name = {c.name: c for c in checks}
        results, flags = [], []
        for outcome in validation.results:
            check = by_name[outcome.expectation_config.meta["name"]]
            result = outcome.result or {}
            results.append(
                _result(
                    check,
                    success=bool(outcome.success),
                    element_count=result.get("element_count"),
                    unexpected_count=result.get("unexpected_count"),
                    observed=_observed(result, outcome),
                )
            )
            flags += [
                {
                    "table_name": check.suite,
                    "row_key": row_key,
                    "expectation": check.name,
                    "rule": check.rule,
                    "severity": check.severity,
                    "quality_status": check.row_status,
                }
                for row_key in _unexpected_keys(result)
            ]
        return results, flags

    def _release(self) -> None:
        """Let go of the validated batch and every metric computed on it.

        GX's pandas engine, one per data source, keeps each batch it loads and each metric it resolves (a
        mask or a filtered copy of the batch per expectation) for the life of the context, which the Data
        Docs keep until they are built: 0.6 GB more at the end of a 200 MB first run. GX 1.x has no public
        call for this, hence the private attributes; if a release renames them, nothing is let go (no
        error), and `tests/expectations/test_runner.py` fails.
        """
        engine = self.source.get_execution_engine()
        with contextlib.suppress(AttributeError):
            engine.batch_manager._batch_data_cache.clear()
            engine.batch_manager.reset_batch_cache()
            engine._metric_cache.clear()


def _done() -> Future[None]:
    future: Future[None] = Future()
    future.set_result(None)
    return future


def _suite_rows(frame: pd.DataFrame, checks: list[Check]) -> tuple[pd.DataFrame, list[Check]]:
    """The rows all of a suite's checks are restricted to, and its checks without that shared condition.

    The key suites read one table that holds the keys of five marts, each suite the rows of its own mart:
    GX then works on those rows, instead of on every row with a row condition it applies by copying the
    rows that meet it for each expectation. The outcome is the same; GX counts rows after the condition.
    """
    shared = [condition for condition in checks[0].where if all(condition in c.where for c in checks[1:])]
    if not shared:
        return frame, checks
    mask = functools.reduce(operator.and_, [frame[column] == value for column, value in shared])
    unshared = [replace(c, where=tuple(w for w in c.where if w not in shared)) for c in checks]
    return frame[mask.fillna(False).to_numpy(dtype=bool)], unshared


def _batch(frame: pd.DataFrame, checks: list[Check]) -> pd.DataFrame:
    """The columns the checks read, indexed by the row key."""
    columns = sorted(set().union(*(c.columns() for c in checks)))
    batch = frame[columns].copy()
    batch.index = pd.Index(frame[CHECK_KEY].astype("string").to_numpy(), name=ROW_KEY)
    return batch


def _applies(check: Check, batch: pd.DataFrame) -> bool:
    """Whether any row of the batch is one the check tests (else GX has nothing to do for it)."""
    if batch.empty:
        return False
    if not check.where:
        return True
    mask = functools.reduce(operator.and_, [batch[column] == value for column, value in check.where])
    return bool(mask.fillna(False).any())


def _result(
    check: Check, *, success: bool, element_count: int | None, unexpected_count: int | None, observed: str | None
) -> dict[str, Any]:
    return {
        "suite": check.suite,
        "table_name": check.suite,
        "expectation": check.name,
        "rule": check.rule,
        "severity": check.severity,
        "success": success,
        "element_count": element_count,
        "unexpected_count": unexpected_count,
        "observed_value": observed,
        "note": check.note,
    }


def _unexpected_keys(result: dict[str, Any]) -> list[str]:
    """Row keys of the failing rows: `[{ROW_KEY: [keys]}]` as GX returns them without values."""
    keys: list[str] = []
    for entry in result.get("unexpected_index_list") or []:
        value = entry.get(ROW_KEY) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            keys.extend(str(v) for v in value if v is not None)
        elif value is not None:
            keys.append(str(value))
    return keys


def _expectation(check: Check) -> Any:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    kwargs = dict(check.kwargs)
    if check.where:
        kwargs["row_condition"] = functools.reduce(operator.and_, [Column(c) == v for c, v in check.where])
    meta = {"name": check.name, "rule": check.rule, "severity": check.severity, "note": check.note}
    return getattr(gxe, check.expectation)(**kwargs, meta=meta, notes=check.note)


def _observed(result: dict[str, Any], outcome: Any) -> str | None:
    if "observed_value" in result:
        return json.dumps(result["observed_value"], default=str)
    if result.get("unexpected_count") is not None:
        return f"{result.get('unexpected_count')} of {result.get('element_count')} rows unexpected"
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        return "exception: " + str(outcome.exception_info.get("exception_message"))[:300]
    return None


def blocking_failures(results: pl.DataFrame) -> pl.DataFrame:
    """Failed checks of severity error: these stop publishing."""
    return results.filter(~pl.col("success") & (pl.col("severity") == ERROR))


def stamp(frame: pl.DataFrame, run_id: str, checked_at: datetime) -> pl.DataFrame:
    """A results or flags frame with the run's id and time."""
    return frame.with_columns(run_id=pl.lit(run_id), checked_at=pl.lit(checked_at))
