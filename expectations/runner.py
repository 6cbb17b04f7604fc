"""Running the suites with Great Expectations on pandas batches, and reading back their verdicts."""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import operator
import threading
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import polars as pl

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
    frames: dict[str, pd.DataFrame], checks: list[Check], docs_dir: Path | None = None, run_name: str | None = None
) -> Validation:
    """One row per check with its outcome, one row per failing row per check, and Data Docs into `docs_dir`.

    `run_name` (the Prefect flow run id) names the validation in the Data Docs.
    The Data Docs are rendered in a thread (Python, ~0.7 s) while the caller stores the results (DuckDB,
    which releases the GIL); `data_docs.result()` waits for them and raises what rendering raised.
    """
    results: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    grouped: dict[tuple[str, str], list[Check]] = defaultdict(list)
    for check in checks:
        grouped[(check.suite, check.table)].append(check)
    batches: dict[tuple[str, str], tuple[pd.DataFrame, list[Check]]] = {}
    for (suite_name, table), suite_checks in grouped.items():
        batch = _batch(frames[table], suite_checks)
        # A check whose rows did not change this run has nothing to validate: GX costs ~0.1 s per expectation.
        todo = [c for c in suite_checks if _applies(c, batch)]
        results += [
            _result(c, success=True, element_count=0, unexpected_count=0, observed=NOTHING_TO_CHECK)
            for c in suite_checks
            if c not in todo
        ]
        if todo:
            batches[(suite_name, table)] = (batch, todo)
    if not batches:
        return Validation(pl.DataFrame(results, schema=RESULT_SCHEMA), pl.DataFrame(flags, schema=FLAG_SCHEMA), _done())

    import great_expectations as gx  # slow to import: only when validating
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Per-metric progress bars flood the Prefect log; the stage logs its own outcome.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    source = context.data_sources.add_pandas("newsfacts")
    # One asset per check table; several suites may read one (chk_keys holds the keys of five marts).
    assets: dict[str, Any] = {}
    for (suite_name, table), (batch, suite_checks) in batches.items():
        asset = assets.get(table) or assets.setdefault(table, source.add_dataframe_asset(name=table))
        batch_definition = asset.add_batch_definition_whole_dataframe(suite_name)
        suite = context.suites.add(
            gx.ExpectationSuite(name=suite_name, expectations=[_expectation(c) for c in suite_checks])
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        # The definition runs itself, without a checkpoint: a checkpoint has no action here (Data Docs are built
        # once below) and checked and serialised its definitions again on every run.
        validation = definition.run(
            batch_parameters={"dataframe": batch}, result_format=RESULT_FORMAT, run_id=RunIdentifier(run_name=run_name)
        )
        by_name = {c.name: c for c in suite_checks}
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
            for row_key in _unexpected_keys(result):
                flags.append(
                    {
                        "table_name": check.suite,
                        "row_key": row_key,
                        "expectation": check.name,
                        "rule": check.rule,
                        "severity": check.severity,
                        "quality_status": check.row_status,
                    }
                )
    docs = _done()
    if docs_dir is not None:
        # Once for every suite: an update action per checkpoint rebuilt the whole site each time.
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-docs")
        docs = executor.submit(context.build_data_docs, site_names=[DOCS_SITE])
        executor.shutdown(wait=False)
    return Validation(pl.DataFrame(results, schema=RESULT_SCHEMA), pl.DataFrame(flags, schema=FLAG_SCHEMA), docs)


def _done() -> Future[None]:
    future: Future[None] = Future()
    future.set_result(None)
    return future


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
