"""The `newsfacts` command: run the pipeline, check quality, query and describe the warehouse.

Exit codes: 0 done (articles failing checks of their own are quarantined), 1 quality gate failed (a
systemic error: keys, grain, too many articles quarantined; nothing published), 2 usage (a bad option,
a missing file, a refused query), 3 crash (the run could not finish: Prefect, a busy or corrupt
warehouse, a query timeout, any unexpected error).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from enum import IntEnum, StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.embedded_api import prefect_api, where_to_see
from flows.settings import Settings, configure_prefect


class Exit(IntEnum):
    """What the exit status of `newsfacts` means."""

    ok = 0
    quality_gate = 1
    usage = 2
    crash = 3


class _App(typer.Typer):
    """Typer whose unexpected errors end in one line and exit code 3, not a traceback and 1."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as done:
            _exit(done.code)
        except Exception as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {escape(f'{type(exc).__name__}: {exc}')}")
            _exit(Exit.crash)


def _exit(code: object) -> NoReturn:
    """End the process as Python would, without freeing every module's objects first.

    Python 3.11 ends a process by joining its threads and running its exit handlers (Prefect's queued
    logs and events, temporary folders, logging), then tears down every module through the garbage
    collector: 1-2 s once Prefect, polars, DuckDB and Great Expectations are loaded, for memory the
    system takes back anyway. Only the teardown is skipped.
    """
    threading._shutdown()  # what Py_FinalizeEx calls first
    atexit._run_exitfuncs()
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


app = _App(
    help="newsfacts: news article texts to a validated facts warehouse. "
    "Exit codes: 0 done, 1 quality gate failed, 2 usage error, 3 crash.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()


class OutputFormat(StrEnum):
    """How `newsfacts query` writes its answer."""

    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    markdown = "markdown"
    parquet = "parquet"


# Shown in --help; an option or its environment variable overrides them.
DEFAULT_SOURCE = Settings.model_fields["source"].default
DEFAULT_WAREHOUSE = Settings.model_fields["warehouse"].default
DEFAULT_PUBLISH_DIR = Settings.model_fields["publish_dir"].default


def _version(value: bool) -> None:
    if value:
        out.print(f"newsfacts {version('newsfacts')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """newsfacts: news article texts to a validated facts warehouse.

    Exit codes: 0 done, 1 quality gate failed, 2 usage error, 3 crash.
    """


SourceOpt = Annotated[
    Path,
    typer.Option(
        "--source",
        help="landing folder of article texts",
        envvar="NEWSFACTS_SOURCE",
        show_envvar=True,
        exists=True,
        file_okay=False,
    ),
]
WarehouseOpt = Annotated[
    Path,
    typer.Option(
        "--warehouse", help="DuckDB warehouse file", envvar="NEWSFACTS_WAREHOUSE", show_envvar=True, dir_okay=False
    ),
]
ExistingWarehouseOpt = Annotated[
    Path,
    typer.Option(
        "--warehouse",
        help="DuckDB warehouse file (made by newsfacts run)",
        envvar="NEWSFACTS_WAREHOUSE",
        show_envvar=True,
        exists=True,
        dir_okay=False,
    ),
]
PublishOpt = Annotated[
    Path,
    typer.Option(
        "--publish-dir",
        help="folder of published Parquet",
        envvar="NEWSFACTS_PUBLISH_DIR",
        show_envvar=True,
        file_okay=False,
    ),
]


@app.command()
def run(
    source: SourceOpt = DEFAULT_SOURCE,
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    publish_dir: PublishOpt = DEFAULT_PUBLISH_DIR,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="re-extract every document")] = False,
    only_ok: Annotated[
        bool,
        typer.Option(
            "--only-ok",
            help="publish only facts with quality_status ok",
            envvar="NEWSFACTS_PUBLISH_ONLY_OK",
            show_envvar=True,
        ),
    ] = False,
) -> None:
    """Run the whole pipeline once (on Prefect's embedded API unless PREFECT_API_URL is set)."""
    configure_prefect()
    console.print(f"[bold]newsfacts run[/]: {escape(str(source))} -> {escape(str(warehouse))}")
    with contextlib.ExitStack() as stack:
        try:
            with console.status("starting Prefect (set PREFECT_API_URL to use a running server)..."):
                api_ready = stack.enter_context(prefect_api())
                # Imported while Prefect's server boots, when this process would otherwise wait.
                from flows.pipeline import QualityGateFailed, newsfacts_pipeline
                from flows.progress import show_progress

                if full_refresh or _landing_changed(source, warehouse):
                    # Great Expectations (3-5 s to import) only when the run will likely validate, and
                    # after the pipeline: in a thread beside it, both imports would hold the GIL in turns.
                    from expectations.runner import preload as preload_great_expectations

                    preload_great_expectations()
                url = api_ready()
        except Exception as exc:
            _fail(f"Prefect's API did not start: {type(exc).__name__}: {exc}", Exit.crash)
        if url:
            console.print(f"temporary Prefect server on {url} (stopped at the end of the run)")
        state, failure, code = None, None, Exit.ok
        try:
            with show_progress(console):
                state = newsfacts_pipeline(
                    source=source,
                    full_refresh=full_refresh,
                    publish_only_ok=only_ok or None,
                    warehouse=warehouse,
                    publish_dir=publish_dir,
                    return_state=True,
                )
                summary = state.result()
        except QualityGateFailed as exc:
            failure, code = str(exc), Exit.quality_gate
        except Exception as exc:
            from warehouse.db import WarehouseError
            from warehouse.publish import PublishError

            failure, code = str(exc), Exit.crash
            if not isinstance(exc, WarehouseError | PublishError | FileNotFoundError):
                failure = (
                    f"the run failed: {type(exc).__name__}: {exc} (the warehouse and published files are unchanged)"
                )
    if url and state is not None:
        # Said once that server has stopped: where the run is, rather than a link to a server that is gone.
        console.print(where_to_see(state.state_details.flow_run_id), soft_wrap=True)
    if failure:
        _fail(failure, code)
    _print_summary(summary)


def _landing_changed(source: Path, warehouse: Path) -> bool:
    """Whether the landing folder may hold what the warehouse has not seen: a run that will likely validate.

    A guess from modification times, only to start importing Great Expectations early; the pipeline
    decides what to do from the files' hashes, and imports it itself when the guess was wrong.
    """
    try:
        built = warehouse.stat().st_mtime
        # A folder's time changes when a file is added, removed or renamed in it; a file's when it is rewritten.
        return source.stat().st_mtime > built or any(path.stat().st_mtime > built for path in source.rglob("*"))
    except OSError:
        return True


@app.command()
def check(warehouse: ExistingWarehouseOpt = DEFAULT_WAREHOUSE) -> None:
    """Run the expectation suites on the current warehouse, without ingesting, and print the summary."""
    configure_prefect()
    with prefect_api() as api_ready:
        from expectations.runner import preload as preload_great_expectations
        from flows.pipeline import newsfacts_check
        from warehouse.db import WarehouseError

        # A check always validates: Great Expectations imports while Prefect's server boots.
        preload_great_expectations()
        try:
            api_ready()
        except Exception as exc:
            _fail(f"Prefect's API did not start: {type(exc).__name__}: {exc}", Exit.crash)
        try:
            outcome = newsfacts_check(warehouse=warehouse)
        except WarehouseError as exc:
            _fail(str(exc), Exit.crash)
        except Exception as exc:
            _fail(f"the check failed: {type(exc).__name__}: {exc} (the warehouse is unchanged)", Exit.crash)
    sys.stdout.write(outcome["markdown"])
    if outcome["blocking"]:
        _fail("quality gate failed: " + "; ".join(outcome["blocking"]), Exit.quality_gate)


@app.command()
def serve(
    cron: Annotated[
        str, typer.Option(help="re-ingestion schedule (5 fields)", envvar="NEWSFACTS_SCHEDULE_CRON", show_envvar=True)
    ] = Settings.model_fields["schedule_cron"].default,
    timezone: Annotated[
        str, typer.Option(help="schedule timezone", envvar="NEWSFACTS_SCHEDULE_TIMEZONE", show_envvar=True)
    ] = Settings.model_fields["schedule_timezone"].default,
) -> None:
    """Register the `reingest` (scheduled) and `manual` deployments and serve them until stopped."""
    if len(cron.split()) != 5:
        raise typer.BadParameter(
            f"{cron!r} is not a cron of 5 fields (minute hour day month weekday)", param_hint="--cron"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(
            f"{timezone!r} is not an IANA timezone (Asia/Ho_Chi_Minh)", param_hint="--timezone"
        ) from None
    configure_prefect()
    from flows.deployments import ServeError, serve_deployments

    try:
        serve_deployments(Settings(), cron, timezone)
    except ServeError as exc:
        _fail(str(exc), Exit.crash)


FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="table (tab-separated when not on a terminal), csv, tsv, json, markdown, or parquet (needs --output)",
    ),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="write the answer to this file", dir_okay=False)]
LimitOpt = Annotated[int, typer.Option(help="rows shown in table format", min=1)]
VerticalOpt = Annotated[
    bool | None, typer.Option("--vertical/--horizontal", help="one block per row (default: when too wide)")
]


class FigureKind(StrEnum):
    """What `newsfacts indicators --kind` narrows to."""

    actual = "actual"
    target = "target"
    forecast = "forecast"


def _check_output(fmt: OutputFormat, output: Path | None) -> None:
    """Parquet is binary: it goes to a file."""
    if fmt is OutputFormat.parquet and output is None:
        raise typer.BadParameter("parquet is written to a file: add --output FILE", param_hint="--format")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="one read-only SQL query (select, with, describe, show, explain)")],
    warehouse: ExistingWarehouseOpt = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    limit: LimitOpt = 100,
    timeout: Annotated[
        float | None, typer.Option(help="interrupt the query after this many seconds", min=0.001)
    ] = None,
    vertical: VerticalOpt = None,
) -> None:
    """Answer a read-only query against the last completed warehouse."""
    from warehouse.readonly import QueryRefused, QueryTimeout, fetch_answer

    _check_output(fmt, output)
    try:
        answer = fetch_answer(warehouse, sql, timeout_s=timeout)
    except QueryRefused as exc:
        _fail(str(exc), Exit.usage)
    except QueryTimeout as exc:
        _fail(str(exc), Exit.crash)
    if answer.num_rows == 0 and sql.strip().rstrip(";").strip().lower() == "show tables":
        console.print(
            "tables live in schemas (marts, staging, quality, raw): try `newsfacts tables` or `show all tables`"
        )
    _show(answer, fmt, output, limit, vertical)


@app.command()
def indicators(
    place: Annotated[
        str, typer.Argument(help="a place as the articles write it (Binh Duong, binh duong province) or its place_id")
    ],
    metric: Annotated[str | None, typer.Option(help="a metric (grdp, growth_rate, fdi) or part of one")] = None,
    period: Annotated[
        str | None, typer.Option(help="a period (2023, 2023-H1, 2023-Q1, 2021-2025); 2023 takes its parts")
    ] = None,
    kind: Annotated[FigureKind | None, typer.Option(help="actual, target or forecast")] = None,
    warehouse: ExistingWarehouseOpt = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    limit: LimitOpt = 100,
    vertical: VerticalOpt = None,
) -> None:
    """A place's figures reconciled across articles: value, status and why, then each source's article and sentence."""
    from warehouse.indicators import UnknownPlace, indicators_answer

    _check_output(fmt, output)
    try:
        places, answer = indicators_answer(
            warehouse, place, metric=metric, period=period, kind=kind.value if kind else None
        )
    except UnknownPlace as exc:
        _fail(str(exc), Exit.usage)
    named = ", ".join(f"{p.name} ({p.level}, {p.place_id})" for p in places[:5])
    more = f" and {len(places) - 5} more" if len(places) > 5 else ""
    console.print(f"{escape(place)}: {escape(named)}{more}", highlight=False)
    if answer.num_rows == 0:
        console.print("no indicators: no article states a figure of it with its period", highlight=False)
    _show(answer, fmt, output, limit, vertical)


@app.command()
def tables(
    warehouse: ExistingWarehouseOpt = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
) -> None:
    """List the warehouse's tables: schema, table, grain and rows."""
    from warehouse.dictionary import table_overview

    _show(table_overview(warehouse), fmt, output, 1000, False)


@app.command()
def describe(
    table: Annotated[str, typer.Argument(help="a table, as schema.table or just its name (fct_quantities)")],
    warehouse: ExistingWarehouseOpt = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
) -> None:
    """Show a table's grain and its columns with their types and descriptions."""
    from warehouse.dictionary import UnknownTable, table_columns

    try:
        grain, columns = table_columns(warehouse, table)
    except UnknownTable as exc:
        _fail(str(exc), Exit.usage)
    if grain:
        console.print(escape(grain), highlight=False)
    _show(columns, fmt, output, 1000, False)


@app.command()
def report(
    warehouse: ExistingWarehouseOpt = DEFAULT_WAREHOUSE,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file [default: report.html in the Data Docs folder]", dir_okay=False),
    ] = None,
) -> None:
    """Write one HTML page: facts and flags by province, by metric and over runs, and the worst rows."""
    from warehouse.report import write_report

    page = write_report(warehouse, output or Settings().data_docs_dir / "report.html")
    console.print(f"report written to {escape(str(page))}", highlight=False)


def _show(answer, fmt: OutputFormat, output: Path | None, limit: int, vertical: bool | None) -> None:
    """Write an Arrow answer to a file or stdout in `fmt`, then its row count on stderr."""
    from warehouse.answers import as_text, stream_answer, write_answer

    rows = f"{answer.num_rows:,} row{'' if answer.num_rows == 1 else 's'}"
    if output is not None:
        write_answer(answer, "tsv" if fmt is OutputFormat.table else fmt.value, output)
        console.print(f"{rows} written to {escape(str(output))}", highlight=False)
        return
    if fmt is not OutputFormat.table:
        stream_answer(answer, fmt.value, sys.stdout)
        console.print(rows, highlight=False)
        return
    if not out.is_terminal:
        # A pipe or a file gets plain tab-separated text, not boxes.
        stream_answer(answer, "tsv", sys.stdout)
        console.print(rows, highlight=False)
        return
    shown = as_text(answer.slice(0, limit))
    # Below about 12 characters a column shows only its first letters: one block per row reads better.
    wide = answer.num_columns * 12 > out.width if vertical is None else vertical
    if wide:
        name_width = max((len(name) for name in answer.column_names), default=0)
        for number, row in enumerate(shown, start=1):
            out.rule(f"row {number}", style="dim")
            for name, value in zip(answer.column_names, row, strict=True):
                out.print(
                    f"[bold]{escape(name.rjust(name_width))}[/] {escape('' if value is None else value)}",
                    highlight=False,
                )
    else:
        table = Table(*answer.column_names)
        for row in shown:
            table.add_row(*["" if value is None else escape(value) for value in row])
        out.print(table)
    note = f", {len(shown)} shown (--limit, or --format csv for all)" if answer.num_rows > len(shown) else ""
    how = (
        f" ({answer.num_columns} columns, one block per row; --horizontal for a table)"
        if wide and vertical is None
        else ""
    )
    console.print(rows + note + how, highlight=False)


def _print_summary(summary: dict) -> None:
    from flows.summary import label

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
        table.add_row(label(key), f"{summary[key]:,}")
    for name, count in summary["marts"].items():
        table.add_row(f"rows in marts.{name}", f"{count:,}")
    table.add_row(
        "expectations passed / failed", f"{summary['expectations_passed']} / {summary['expectations_failed']}"
    )
    for key in (
        "rows_flagged",
        "row_flags",
        "flags_carried",
        "articles_quarantined",
        "partitions_written",
        "partitions_linked",
    ):
        if key in summary:
            table.add_row(label(key), f"{summary[key]:,}")
    if summary.get("quarantined_files"):
        table.add_row(label("quarantined_files"), "\n".join(summary["quarantined_files"]))
    table.add_row("warehouse", summary["warehouse"])
    table.add_row("published Parquet", summary["published"])
    if summary.get("report"):
        table.add_row("report", summary["report"])
    out.print(table)


def _fail(message: str, code: Exit) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code=int(code))
