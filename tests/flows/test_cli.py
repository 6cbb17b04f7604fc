"""The `newsfacts` command's conventions: settings shown in help, --version, checks before Prefect, exit codes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows import cli
from tests.flows.test_concurrency import NEWSFACTS

runner = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFACTS_"))}
    return {**env, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"}


def test_version_is_printed() -> None:
    done = runner.invoke(cli.app, ["--version"])

    assert done.exit_code == 0 and done.stdout.strip() == "newsfacts 0.1.0"


def test_help_says_what_exit_codes_mean() -> None:
    done = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "200"})

    assert "Exit codes: 0 done, 1 quality gate failed, 2 usage error, 3 crash." in " ".join(done.stdout.split())


@pytest.mark.parametrize(
    ("command", "variables"),
    [
        ("run", ["NEWSFACTS_SOURCE", "NEWSFACTS_WAREHOUSE", "NEWSFACTS_PUBLISH_DIR", "NEWSFACTS_PUBLISH_ONLY_OK"]),
        ("check", ["NEWSFACTS_WAREHOUSE"]),
        ("query", ["NEWSFACTS_WAREHOUSE"]),
        ("serve", ["NEWSFACTS_SCHEDULE_CRON", "NEWSFACTS_SCHEDULE_TIMEZONE"]),
    ],
)
def test_help_shows_environment_variables_and_defaults(command: str, variables: list[str]) -> None:
    done = runner.invoke(cli.app, [command, "--help"], env={"COLUMNS": "200"})

    assert done.exit_code == 0
    for variable in variables:
        # Rich used to read "[env NEWSFACTS_SOURCE]" as markup and drop it.
        assert f"env var: {variable}" in done.stdout, variable
    assert "[default: " in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--warehouse", "missing.duckdb"], "does not exist"),  # nothing to check
        (["run", "--source", "missing-folder"], "does not exist"),  # no landing folder
        (["query", "select 1", "--warehouse", "missing.duckdb"], "does not exist"),  # nothing to query
        (["serve", "--timezone", "Mars/Olympus"], "not an IANA timezone"),  # a schedule Prefect would refuse later
        (["serve", "--cron", "every day"], "5 fields"),  # idem
        (["query", "select 1", "--timeout", "0"], "--timeout"),  # no time at all
    ],
)
def test_bad_arguments_are_usage_errors_before_prefect_starts(tmp_path: Path, args: list[str], message: str) -> None:
    started = time.monotonic()
    done = subprocess.run([NEWSFACTS, *args], env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True)
    seconds = time.monotonic() - started

    assert done.returncode == 2, done.stderr
    assert message in " ".join(done.stderr.split()) and "Traceback" not in done.stderr
    # Prefect's server takes 5-7 s to start: an answer this fast never started it.
    assert seconds < 4, seconds
    assert not (tmp_path / "prefect").exists()


def test_an_unexpected_error_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"not a duckdb file" * 100)

    done = subprocess.run(
        [NEWSFACTS, "tables", "--warehouse", str(corrupt)], env=_env(tmp_path), capture_output=True, text=True
    )

    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith("error:")


class _Fake:
    """The pipeline's entry points replaced: no Prefect server, no Great Expectations import."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, outcome: Exception) -> None:
        from flows import pipeline

        def fail(**_kwargs):
            raise outcome

        monkeypatch.setattr(pipeline, "newsfacts_pipeline", fail)
        monkeypatch.setattr("expectations.runner.preload", lambda: None)
        monkeypatch.setattr(cli, "prefect_api", lambda: contextlib.nullcontext(lambda: None))


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        ("quality", cli.Exit.quality_gate),  # a systemic quality failure: nothing published
        ("busy", cli.Exit.crash),  # another run holds the warehouse
        ("bug", cli.Exit.crash),  # anything else
    ],
)
def test_run_exit_codes_tell_a_failed_gate_from_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outcome: str, code: int
) -> None:
    from flows.pipeline import QualityGateFailed
    from warehouse.db import WarehouseBusy

    error = {
        "quality": QualityGateFailed("not published: dim_people: dim_people key is unique (2 rows)"),
        "busy": WarehouseBusy("another newsfacts run is writing"),
        "bug": KeyError("boom"),
    }[outcome]
    _Fake(monkeypatch, error)

    done = runner.invoke(cli.app, ["run", "--source", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])

    assert done.exit_code == code, done.output
    assert "error:" in done.stderr


def test_check_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import pipeline

    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"")
    monkeypatch.setattr(cli, "prefect_api", lambda: contextlib.nullcontext(lambda: None))
    monkeypatch.setattr("expectations.runner.preload", lambda: None)
    for blocking, code in (([], cli.Exit.ok), (["fct_quantities: fact_id is unique (2 rows)"], cli.Exit.quality_gate)):
        monkeypatch.setattr(
            pipeline, "newsfacts_check", lambda blocking=blocking, **_: {"markdown": "# Data\n", "blocking": blocking}
        )

        done = runner.invoke(cli.app, ["check", "--warehouse", str(warehouse)])

        assert done.exit_code == code, done.output


SUMMARY = {
    "status": "completed",
    **dict.fromkeys(
        [
            "documents_seen",
            "documents_new",
            "documents_changed",
            "documents_unchanged",
            "documents_duplicate",
            "documents_rejected",
            "documents_deleted",
            "documents_extracted",
        ],
        1,
    ),
    "marts": {"fct_quantities": 64},
    "expectations_passed": 91,
    "expectations_failed": 2,
    "rows_flagged": 1,
    "row_flags": 4,
    "flags_carried": 0,
    "published_files": 23,
    "partitions_written": 4,
    "partitions_linked": 19,
    "warehouse": "w.duckdb",
    "published": "published/current",
}


def test_every_count_says_what_it_counts_in_the_terminal_and_the_artifact(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from flows.pipeline import summary_markdown

    screen = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=screen, width=200))
    cli._print_summary(SUMMARY)
    markdown = summary_markdown(SUMMARY)

    # "rows flagged 1" beside 4 rows of quality.dq_row_flags, "files published 19" when 4 were written: no more.
    for words, value in [
        ("fct_quantities rows not ok (quality_status)", "1"),
        ("row flags, every table and rule (quality.dq_row_flags)", "4"),
        ("Parquet partitions written", "4"),
        ("Parquet partitions reused (hard links)", "19"),
    ]:
        assert any(words in line and f" {value} " in line for line in screen.getvalue().splitlines()), words
        assert f"| {words} | {value} |" in markdown
    assert "rows flagged" not in markdown and "published files" not in markdown


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        (None, False),  # nothing touched since the warehouse was written
        ("no warehouse", True),  # a first run
        ("rewritten", True),  # a file written again
        ("added in a subfolder", True),  # the subfolder's time moves
        ("removed", True),  # the landing folder's time moves
    ],
)
def test_a_run_preloads_great_expectations_only_when_the_landing_folder_changed(
    tmp_path: Path, change: str | None, changed: bool
) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    (landing / "2024").mkdir(parents=True)
    for path in (landing / "a.txt", landing / "2024" / "b.txt"):
        path.write_text("text")
    warehouse.write_bytes(b"")
    built = time.time()
    for path in (landing, landing / "2024", landing / "a.txt", landing / "2024" / "b.txt"):
        os.utime(path, (built - 60, built - 60))
    os.utime(warehouse, (built, built))
    if change == "no warehouse":
        warehouse.unlink()
    elif change == "rewritten":
        (landing / "a.txt").write_text("other text")
    elif change == "added in a subfolder":
        (landing / "2024" / "c.txt").write_text("text")
    elif change == "removed":
        (landing / "a.txt").unlink()

    assert cli._landing_changed(landing, warehouse) is changed
