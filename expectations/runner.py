"""Running the suites with Great Expectations on pandas batches, and reading back their verdicts."""

from __future__ import annotations

import functools
import json
import operator
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from expectations.suites import ERROR, Check

DOCS_SITE = "newsfacts"
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


def run_checks(
    frames: dict[str, pd.DataFrame], checks: list[Check], docs_dir: Path | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(one row per check with its outcome, one row per failing row per check); Data Docs into `docs_dir`."""
    import great_expectations as gx  # slow to import: only when validating
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Per-metric progress bars flood the Prefect log; the stage logs its own outcome.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    actions = []
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
        actions = [UpdateDataDocsAction(name="update-data-docs", site_names=[DOCS_SITE])]
    source = context.data_sources.add_pandas("newsfacts")
    grouped: dict[tuple[str, str], list[Check]] = defaultdict(list)
    for check in checks:
        grouped[(check.suite, check.table)].append(check)
    results: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    for (suite_name, table), suite_checks in grouped.items():
        key = suite_checks[0].key
        asset = source.add_dataframe_asset(name=table)
        batch_definition = asset.add_batch_definition_whole_dataframe("all rows")
        suite = context.suites.add(
            gx.ExpectationSuite(name=suite_name, expectations=[_expectation(c) for c in suite_checks])
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=suite_name,
                validation_definitions=[definition],
                actions=actions,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [key]},
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": frames[table]})
        validation = next(iter(run.run_results.values()))
        by_name = {c.name: c for c in suite_checks}
        for outcome in validation.results:
            check = by_name[outcome.expectation_config.meta["name"]]
            result = outcome.result or {}
            results.append(
                {
                    "suite": check.suite,
                    "table_name": check.suite,
                    "expectation": check.name,
                    "rule": check.rule,
                    "severity": check.severity,
                    "success": bool(outcome.success),
                    "element_count": result.get("element_count"),
                    "unexpected_count": result.get("unexpected_count"),
                    "observed_value": _observed(result, outcome),
                    "note": check.note,
                }
            )
            for index in result.get("unexpected_index_list") or []:
                row_key = index.get(key) if isinstance(index, dict) else None
                if row_key is None:
                    continue
                flags.append(
                    {
                        "table_name": check.suite,
                        "row_key": str(row_key),
                        "expectation": check.name,
                        "rule": check.rule,
                        "severity": check.severity,
                        "quality_status": check.row_status,
                    }
                )
    return pl.DataFrame(results, schema=RESULT_SCHEMA), pl.DataFrame(flags, schema=FLAG_SCHEMA)


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
