"""What a failed or crashed run tells: the stage it stopped in and why, as a log line and an artifact."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from prefect.client.schemas.objects import State, StateType, TaskRun

from flows.failures import FAILURE_ARTIFACT, Failure, locate_failure

T0 = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def task_run(name: str, state: StateType, second: int, message: str | None = None) -> TaskRun:
    """A task run of the pipeline as the API returns it."""
    return TaskRun(
        flow_run_id=uuid4(),
        task_key=name,
        dynamic_key="0",
        name=f"{name}-a1b",
        state_type=state,
        state=State(type=state, message=message),
        start_time=T0 + timedelta(seconds=second),
    )


@pytest.mark.parametrize(
    ("task_runs", "state", "expected"),
    [
        # A task failed: its name and its own message.
        (
            [
                task_run("begin-warehouse-build", StateType.COMPLETED, 0),
                task_run("ingest-landing-folder", StateType.FAILED, 1, "Task run encountered an exception OSError: io"),
            ],
            State(type=StateType.FAILED, message="Flow run encountered an exception: OSError: io"),
            Failure("ingest-landing-folder", "OSError: io"),
        ),
        # Killed halfway through a task: the task that was running, and the crash's message.
        (
            [
                task_run("begin-warehouse-build", StateType.COMPLETED, 0),
                task_run("build-marts", StateType.RUNNING, 5),
            ],
            State(type=StateType.CRASHED, message="Flow run infrastructure exited with non-zero status code -9."),
            Failure("build-marts", "Flow run infrastructure exited with non-zero status code -9."),
        ),
        # The quality gate, raised by the flow body after the last task: named by its exception.
        (
            [task_run("commit-warehouse-build", StateType.COMPLETED, 9)],
            State(type=StateType.FAILED, message="Flow run encountered an exception: QualityGateFailed: not published"),
            Failure("quality gate", "QualityGateFailed: not published"),
        ),
        # Waiting for another run's lock, before any task.
        (
            [],
            State(type=StateType.FAILED, message="Flow run encountered an exception: WarehouseBusy: another run"),
            Failure("warehouse lock", "WarehouseBusy: another run"),
        ),
        # Killed before any task started.
        (
            [],
            State(type=StateType.CRASHED, message="Flow run infrastructure exited with non-zero status code -9."),
            Failure("before the first stage", "Flow run infrastructure exited with non-zero status code -9."),
        ),
        # An exception of the flow body between two tasks: the last task it passed.
        (
            [task_run("load-reference-tables", StateType.COMPLETED, 2)],
            State(type=StateType.FAILED, message="Flow run encountered an exception: KeyError: 'x'"),
            Failure("after load-reference-tables", "KeyError: 'x'"),
        ),
    ],
)
def test_the_stage_and_reason_of_a_failure(task_runs: list[TaskRun], state: State, expected: Failure) -> None:
    assert locate_failure(task_runs, state) == expected


def test_a_failed_run_leaves_an_artifact_and_a_log_line_naming_its_stage(prefect_api, tmp_path, monkeypatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
        LogFilter,
        LogFilterFlowRunId,
    )

    from flows.pipeline import newsfacts_pipeline
    from tests.conftest import SEEDS

    warehouse = tmp_path / "newsfacts.duckdb"
    # Not a DuckDB file: the run stops in its first task, and says so.
    warehouse.write_text("not a database")
    monkeypatch.setenv("NEWSFACTS_DATA_DOCS_DIR", str(tmp_path / "data_docs"))
    state = newsfacts_pipeline(source=SEEDS, warehouse=warehouse, publish_dir=tmp_path / "published", return_state=True)
    assert state.is_failed()
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[FAILURE_ARTIFACT]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])
            )
        )

    def logged() -> list[str]:
        # Log lines reach the API in batches, a moment after the run.
        with get_client(sync_client=True) as client:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        return [entry.message for entry in logs if "in stage" in entry.message]

    deadline = time.monotonic() + 30
    while not logged() and time.monotonic() < deadline:
        time.sleep(1)
    assert artifact.description == "Failed in stage begin-warehouse-build"
    assert "| stage | begin-warehouse-build |" in artifact.data
    assert [line.split(" Failed in stage ")[1].split(":")[0] for line in logged()] == ["begin-warehouse-build"]
    assert warehouse.read_text() == "not a database"
