"""The newsfacts pipeline: ingest, transform, build, validate, publish."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from expectations.runner import preload as preload_great_expectations
from flows.build import build_marts, last_completed_run, load_reference
from flows.failures import report_failure
from flows.ingest import ingest_landing
from flows.publish import publish_marts
from flows.report import write_report_page
from flows.settings import Settings
from flows.summary import IngestResult, RunSummary, label
from flows.transform import transform_documents
from flows.validate import report_quality, run_suites
from transforms.extract import EXTRACTOR_VERSION
from transforms.reference import load_vocabulary
from transforms.vocabulary import Vocabulary
from warehouse import db, dictionary
from warehouse.models import inputs_fingerprint
from warehouse.publish import read_manifest

SUMMARY_ARTIFACT = "What this run ingested, extracted, validated and published"


class QualityGateFailed(RuntimeError):
    """A systemic quality failure (keys, grain, too many articles quarantined): nothing was published."""


@task(name="begin-warehouse-build", cache_policy=NO_CACHE)
def begin_build(warehouse: Path, run_id: str, full_refresh: bool) -> Path:
    """A private copy of the warehouse for this run."""
    return db.begin_build(warehouse, run_id, full_refresh=full_refresh)


@task(name="commit-warehouse-build", cache_policy=NO_CACHE)
def commit_build(work: Path, warehouse: Path, run_id: str, started_at: datetime, summary: RunSummary | dict) -> None:
    """Record the run (its summary, or the record of a check), comment every table and column, swap the build in."""
    record = summary.record() if isinstance(summary, RunSummary) else summary
    with db.session(work) as con:
        dictionary.apply_dictionary(con)
        db.record_run(con, run_id, started_at, record, EXTRACTOR_VERSION)
    db.commit_build(work, warehouse)


def extract_build_validate(
    work: Path,
    settings: Settings,
    vocab: Vocabulary,
    ingested: IngestResult,
    run_id: str,
    started_at: datetime,
    fingerprint: str,
    full_refresh: bool,
    warehouse: Path,
    publish_dir: Path,
) -> tuple[RunSummary, list[str], list[dict]]:
    """Extract the documents that need it, build the marts, validate them.

    Returns the run summary, the failures that refuse the whole run, and the quarantined articles.
    """
    preload_great_expectations()
    load_reference(work, settings.reference_dir)
    extracted = transform_documents.with_options(task_runner=_task_runner(settings))(
        work, vocab, started_at, settings.batch_docs, full_refresh, in_flight=_workers(settings)
    )
    built = build_marts(work, fingerprint, full_refresh)
    quality = run_suites(
        work, run_id, datetime.now(), started_at.date(), settings.data_docs_dir,
        fingerprint=fingerprint, validate_all=full_refresh, changed_articles=built.changed_articles,
    )  # fmt: skip
    report_quality(quality)
    summary = RunSummary(
        status="validated",
        ingest=ingested,
        warehouse=str(warehouse),
        published=str(publish_dir / "current"),
        documents_extracted=extracted.documents,
        marts=built.rows,
        expectations_passed=quality.passed,
        expectations_failed=quality.failed,
        rows_flagged=quality.rows_flagged,
        row_flags=quality.flags,
        check_rows_validated=quality.rows_validated,
        flags_carried=quality.flags_carried,
        articles_quarantined=len(quality.quarantined),
        quarantined_files=[str(article["source_path"]) for article in quality.quarantined],
        articles_rebuilt=built.articles_rebuilt,
        inputs_fingerprint=fingerprint,
    )
    return summary, quality.refusals(settings.max_quarantine_share), quality.quarantined


def unchanged_summary(ingested: IngestResult, previous: dict, warehouse: Path, publish_dir: Path) -> RunSummary:
    """The summary of a run that found nothing changed: the last run's figures, nothing rebuilt or published."""
    return replace(
        RunSummary.from_record(previous),
        status="completed",
        ingest=ingested,
        warehouse=str(warehouse),
        published=str(publish_dir / "current"),
        documents_extracted=0,
        published_files=0,
        partitions_written=0,
        partitions_linked=0,
        unchanged_since=previous.get("unchanged_since") or previous["run_id"],
        articles_rebuilt=0,
        report=None,
    )


def published_summary(summary: RunSummary, manifest: dict, run_id: str) -> RunSummary:
    """The run summary with what a publication wrote and reused."""
    tables = manifest["tables"].values()
    return replace(
        summary,
        published_files=sum(len(t["files"]) for t in tables),
        partitions_written=sum(t["written"] for t in tables),
        partitions_linked=sum(t["linked"] for t in tables),
        published_run_id=run_id,
        status="completed",
    )


def _task_runner(settings: Settings):
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.dask_workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    return ThreadPoolTaskRunner(max_workers=_workers(settings))


def _workers(settings: Settings) -> int:
    """How many extraction batches the task runner works on at once."""
    return settings.dask_workers if settings.task_runner == "dask" else settings.extract_threads


@flow(name="newsfacts-pipeline", log_prints=False, on_failure=[report_failure], on_crashed=[report_failure])
def newsfacts_pipeline(
    source: Path | None = None,
    full_refresh: bool = False,
    publish_only_ok: bool | None = None,
    warehouse: Path | None = None,
    publish_dir: Path | None = None,
) -> dict:
    """Ingest the landing folder, extract facts, build and validate the marts, publish Parquet.

    Args:
        source: landing folder of raw article texts (default: NEWSFACTS_SOURCE or seeds/raw).
        full_refresh: re-extract every document, whatever extractor version made its facts.
        publish_only_ok: publish only facts whose quality_status is ok (default: NEWSFACTS_PUBLISH_ONLY_OK).
        warehouse: DuckDB warehouse file (default: NEWSFACTS_WAREHOUSE or warehouse/newsfacts.duckdb).
        publish_dir: folder of published Parquet (default: NEWSFACTS_PUBLISH_DIR or warehouse/published).
    """
    settings = Settings()
    source, warehouse, publish_dir = settings.paths(source, warehouse, publish_dir)
    only_ok = settings.publish_only_ok if publish_only_ok is None else publish_only_ok
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    started_at = datetime.now()
    logger = get_run_logger()
    logger.info("run %s: %s -> %s", run_id, source, warehouse)
    vocab = load_vocabulary(settings.reference_dir)

    with db.run_lock(warehouse, settings.lock_timeout_s):
        work = begin_build(warehouse, run_id, full_refresh)
        try:
            ingested = IngestResult.from_log(ingest_landing(work, source, run_id, started_at, settings.max_file_bytes))
            fingerprint = inputs_fingerprint(settings.reference_dir, EXTRACTOR_VERSION, str(only_ok))
            previous = last_completed_run(work)
            if not full_refresh and nothing_changed(ingested, previous, fingerprint, publish_dir):
                summary = unchanged_summary(ingested, previous, warehouse, publish_dir)
                logger.info(
                    "nothing changed since run %s: marts, quality results and Parquet stay", summary.unchanged_since
                )
                commit_build(work, warehouse, run_id, started_at, summary)
            else:
                summary, blocking, quarantined = extract_build_validate(
                    work, settings, vocab, ingested, run_id, started_at, fingerprint, full_refresh, warehouse,
                    publish_dir,
                )  # fmt: skip
                if blocking:
                    summary.status = "failed: quality gate"
                    commit_build(work, warehouse, run_id, started_at, summary)
                    raise QualityGateFailed("not published: " + "; ".join(blocking))
                manifest = publish_marts(
                    work, publish_dir, run_id, started_at, only_ok, settings.keep_publications, quarantined
                )
                summary = published_summary(summary, manifest, run_id)
                commit_build(work, warehouse, run_id, started_at, summary)
                summary.report = str(write_report_page(warehouse, settings.data_docs_dir / "report.html"))
        finally:
            db.abort_build(work)
    create_markdown_artifact(
        key="newsfacts-run-summary", markdown=summary_markdown(summary.record()), description=SUMMARY_ARTIFACT
    )
    return summary.record()


def nothing_changed(ingested: IngestResult, previous: dict | None, fingerprint: str, publish_dir: Path) -> bool:
    """Whether the last completed run's marts, checks and publication still hold for this one."""
    if previous is None or previous.get("inputs_fingerprint") != fingerprint or ingested.anything_new:
        return False
    manifest = read_manifest(publish_dir)
    return manifest is not None and manifest["run_id"] == previous.get("published_run_id")


def summary_markdown(record: dict) -> str:
    """A run summary's record (`RunSummary.record()`) as a markdown artifact."""
    lines = ["# newsfacts run", "", "| measure | value |", "|---|---|"]
    for key, value in record.items():
        if key == "marts":
            lines += [f"| rows in marts.{name} | {count:,} |" for name, count in value.items()]
        elif isinstance(value, list):
            lines.append(f"| {label(key)} | {', '.join(map(str, value)) or 'none'} |")
        else:
            lines.append(f"| {label(key)} | {value} |")
    return "\n".join(lines) + "\n"


@flow(name="newsfacts-check", log_prints=False)
def newsfacts_check(warehouse: Path | None = None) -> dict:
    """Rebuild the marts from staging and run the expectation suites, without ingesting anything."""
    settings = Settings()
    warehouse = Path(warehouse or settings.warehouse)
    if not warehouse.exists():
        raise db.WarehouseError(f"no warehouse at {warehouse}: run `newsfacts run` first")
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    started_at = datetime.now()
    # The same fingerprint as a pipeline run's, so that the next run validates only what changes.
    fingerprint = inputs_fingerprint(settings.reference_dir, EXTRACTOR_VERSION, str(settings.publish_only_ok))
    with db.run_lock(warehouse, settings.lock_timeout_s):
        work = begin_build(warehouse, run_id, False)
        try:
            load_reference(work, settings.reference_dir)
            build_marts(work)
            quality = run_suites(
                work, run_id, started_at, started_at.date(), settings.data_docs_dir,
                fingerprint=fingerprint, validate_all=True,
            )  # fmt: skip
            report_quality(quality)
            blocking = quality.refusals(settings.max_quarantine_share)
            status = "checked: quality gate failed" if blocking else "checked"
            summary = {
                "status": status,
                "failed": quality.failed,
                "articles_quarantined": len(quality.quarantined),
                "inputs_fingerprint": fingerprint,
            }
            commit_build(work, warehouse, run_id, started_at, summary)
        finally:
            db.abort_build(work)
    return quality.as_dict() | {"blocking": blocking}
