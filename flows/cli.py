"""The `newsfacts` command: run the pipeline, check quality, query the warehouse."""

from __future__ import annotations

import contextlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.embedded_api import prefect_api, where_to_see
from flows.settings import Settings, configure_prefect

app = typer.Typer(help="newsfacts: news article texts to a validated facts warehouse.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


class OutputFormat(StrEnum):
    """How `newsfacts query` prints its answer."""

    table = "table"
    csv = "csv"
    json = "json"


SourceOpt = Annotated[Path | None, typer.Option("--source", help="landing folder [env NEWSFACTS_SOURCE]")]
WarehouseOpt = Annotated[Path | None, typer.Option("--warehouse", help="DuckDB file [env NEWSFACTS_WAREHOUSE]")]
PublishOpt = Annotated[Path | None, typer.Option("--publish-dir", help="Parquet folder [env NEWSFACTS_PUBLISH_DIR]")]


@app.command()
def run(
    source: SourceOpt = None,
    warehouse: WarehouseOpt = None,
    publish_dir: PublishOpt = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="re-extract every document")] = False,
    only_ok: Annotated[bool, typer.Option("--only-ok", help="publish only facts with quality_status ok")] = False,
) -> None:
    """Run the whole pipeline once (on Prefect's embedded API unless PREFECT_API_URL is set)."""
    configure_prefect()
    settings = Settings()
    source = source or settings.source
    if not source.is_dir():
        _fail(f"landing folder {source} does not exist; pass --source DIR or set NEWSFACTS_SOURCE")
    console.print(f"[bold]newsfacts run[/]: {source} -> {warehouse or settings.warehouse}")
    with contextlib.ExitStack() as stack:
        try:
            with console.status("starting Prefect (set PREFECT_API_URL to use a running server)..."):
                api_ready = stack.enter_context(prefect_api())
                # Imported while Prefect's server boots, when this process would otherwise wait.
                from expectations.runner import preload as preload_great_expectations

                preload_great_expectations()
                from flows.pipeline import QualityGateFailed, newsfacts_pipeline
                from warehouse.db import WarehouseError
                from warehouse.publish import PublishError

                url = api_ready()
        except Exception as exc:
            _fail(f"Prefect's API did not start: {type(exc).__name__}: {exc}")
        if url:
            console.print(f"temporary Prefect server on {url} (stopped at the end of the run)")
        state, failure = None, None
        try:
            with console.status("running the pipeline..."):
                state = newsfacts_pipeline(
                    source=source,
                    full_refresh=full_refresh,
                    publish_only_ok=only_ok or None,
                    warehouse=warehouse,
                    publish_dir=publish_dir,
                    return_state=True,
                )
                summary = state.result()
        except (QualityGateFailed, WarehouseError, PublishError, FileNotFoundError) as exc:
            failure = str(exc)
        except Exception as exc:
            failure = f"the run failed: {type(exc).__name__}: {exc} (the warehouse and published files are unchanged)"
    if url and state is not None:
        # Said once that server has stopped: where the run is, rather than a link to a server that is gone.
        console.print(where_to_see(state.state_details.flow_run_id), soft_wrap=True)
    if failure:
        _fail(failure)
    _print_summary(summary)


@app.command()
def check(warehouse: WarehouseOpt = None) -> None:
    """Run the expectation suites on the current warehouse, without ingesting, and print the summary."""
    configure_prefect()
    with prefect_api() as api_ready:
        from flows.pipeline import newsfacts_check
        from warehouse.db import WarehouseError

        try:
            api_ready()
        except Exception as exc:
            _fail(f"Prefect's API did not start: {type(exc).__name__}: {exc}")
        try:
            outcome = newsfacts_check(warehouse=warehouse)
        except WarehouseError as exc:
            _fail(str(exc))
        except Exception as exc:
            _fail(f"the check failed: {type(exc).__name__}: {exc} (the warehouse is unchanged)")
    sys.stdout.write(outcome["markdown"])
    if outcome["blocking"]:
        _fail("expectations of severity error failed: " + "; ".join(outcome["blocking"]))


@app.command()
def serve(
    cron: Annotated[str | None, typer.Option(help="re-ingestion schedule [env NEWSFACTS_SCHEDULE_CRON]")] = None,
    timezone: Annotated[str | None, typer.Option(help="schedule timezone [env NEWSFACTS_SCHEDULE_TIMEZONE]")] = None,
) -> None:
    """Register the `reingest` (scheduled) and `manual` deployments and serve them until stopped."""
    configure_prefect()
    from flows.deployments import ServeError, serve_deployments

    settings = Settings()
    try:
        serve_deployments(settings, cron or settings.schedule_cron, timezone or settings.schedule_timezone)
    except ServeError as exc:
        _fail(str(exc))


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="one read-only SQL query (select, with, describe, show...)")],
    warehouse: WarehouseOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json")] = OutputFormat.table,
    limit: Annotated[int, typer.Option(help="rows shown in table format")] = 100,
) -> None:
    """Answer a read-only query against the last completed warehouse."""
    from warehouse.db import WarehouseError
    from warehouse.readonly import QueryRefused, run_query

    path = warehouse or Settings().warehouse
    try:
        frame = run_query(path, sql)
    except (QueryRefused, WarehouseError) as exc:
        _fail(str(exc))
    if fmt is OutputFormat.csv:
        sys.stdout.write(frame.write_csv())
    elif fmt is OutputFormat.json:
        sys.stdout.write(frame.write_json() + "\n")
    else:
        table = Table(*frame.columns, show_lines=False)
        for row in frame.head(limit).iter_rows():
            table.add_row(*["" if v is None else str(v) for v in row])
        out.print(table)
        if frame.height > limit:
            console.print(f"{frame.height:,} rows, {limit} shown (--limit or --format csv for all)")


def _print_summary(summary: dict) -> None:
    table = Table("measure", "value", title=f"newsfacts run: {summary['status']}")
    for key in (
        "documents_seen",
        "documents_new",
        "documents_changed",
        "documents_unchanged",
        "documents_duplicate",
        "documents_rejected",
        "documents_deleted",
        "documents_extracted",
    ):
        table.add_row(key.replace("_", " "), f"{summary[key]:,}")
    for name, count in summary["marts"].items():
        table.add_row(f"rows in marts.{name}", f"{count:,}")
    table.add_row(
        "expectations passed / failed", f"{summary['expectations_passed']} / {summary['expectations_failed']}"
    )
    table.add_row("rows flagged", f"{summary['rows_flagged']:,}")
    table.add_row("files published", f"{summary['published_files']:,}")
    table.add_row("warehouse", summary["warehouse"])
    table.add_row("published Parquet", summary["published"])
    out.print(table)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=1)
