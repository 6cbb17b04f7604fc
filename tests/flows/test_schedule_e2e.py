"""A schedule that falls due on a real Prefect server: nobody triggers the runs; those that fail or crash say where."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterStartTime,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.failures import FAILURE_ARTIFACT
from tests.conftest import SEEDS
from tests.flows.processes import descendants, read_deployment, start_serve, stop_group, tail, tracebacks, wait_for
from warehouse import db
from warehouse.readonly import run_query

EVERY_MINUTE = "* * * * *"
# A minute for the schedule to fall due, then the run itself.
DUE_S = 240
# How long a scheduled run waits for the warehouse lock the test holds before it fails.
LOCK_WAIT_S = 20


def runs_started_since(deployment_id: UUID, since) -> list[FlowRun]:
    """Runs of a deployment that started after a moment, oldest first."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
        )
    return sorted((r for r in runs if r.start_time is not None), key=lambda r: r.start_time)


def final_state(run_id: UUID):
    """The state of a flow run once it is final, else None."""
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state if state is not None and state.is_final() else None


def failure_artifact(run_id: UUID):
    """The failure artifact the run's hook left, once it is there."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[FAILURE_ARTIFACT]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])
            )
        )
    return found[0] if found else None


def run_log(run_id: UUID) -> str:
    """Every log line the server holds for a flow run."""
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return "\n".join(entry.message for entry in logs)


def kill_flow_run_process(serve_pid: int, run_id: UUID) -> bool:
    """SIGKILL the process serve started for a flow run (found by its PREFECT__FLOW_RUN_ID)."""
    for pid in descendants(serve_pid):
        with contextlib.suppress(OSError):
            if f"PREFECT__FLOW_RUN_ID={run_id}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                os.kill(pid, signal.SIGKILL)
                return True
    return False


@pytest.mark.slow
def test_a_due_schedule_ingests_a_new_file_and_failed_or_crashed_runs_say_where(
    tmp_path: Path, prefect_server: str, server_log: Path, no_deployments: None
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "warehouse" / "newsfacts.duckdb"
    seed = sorted(SEEDS.glob("*.txt"))[0]

    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        serve, log = start_serve(
            tmp_path, prefect_server, "serve", "--cron", EVERY_MINUTE, NEWSFACTS_LOCK_TIMEOUT_S=str(LOCK_WAIT_S)
        )
        try:
            reingest = wait_for("reingest deployment", lambda: read_deployment("reingest"), 120, serve, log)
            assert [s.schedule.cron for s in reingest.schedules] == [EVERY_MINUTE]
            # A file arrives in the landing folder; nobody starts a run.
            (landing / seed.name).write_bytes(seed.read_bytes())
            arrived = datetime.now(UTC)

            def ingested():
                if not warehouse.exists():
                    return None
                found = run_query(
                    warehouse,
                    f"select run_id from raw.ingest_log where source_path = '{seed.name}' and status = 'new'",
                )
                return found["run_id"].item() if found.height else None

            run_id = UUID(wait_for("a scheduled run ingesting the new file", ingested, DUE_S, serve, log))
            with get_client(sync_client=True) as client:
                ingesting = client.read_flow_run(run_id)
            assert ingesting.deployment_id == reingest.id
            assert ingesting.auto_scheduled, "the run was created by the server's scheduler"
            assert wait_for("the ingesting run to finish", lambda: final_state(run_id), 120, serve, log).is_completed()
            print(
                f"file landed {arrived:%H:%M:%S}, scheduled run {ingesting.name} expected "
                f"{ingesting.expected_start_time:%H:%M:%S}, started {ingesting.start_time:%H:%M:%S} UTC"
            )

            # The test holds the warehouse: the next scheduled run waits for it; it is killed while it waits.
            with db.run_lock(warehouse, timeout_s=0):
                locked_at = datetime.now(UTC)

                def waiting_run():
                    runs = [r for r in runs_started_since(reingest.id, locked_at) if r.state_type == StateType.RUNNING]
                    return runs[0] if runs else None

                crashing = wait_for("a scheduled run waiting for the lock", waiting_run, DUE_S, serve, log)
                assert kill_flow_run_process(serve.pid, crashing.id), tail(log)
                crashed = wait_for("the killed run to end", lambda: final_state(crashing.id), 60, serve, log)
                assert crashed.type == StateType.CRASHED, crashed
                crash_note = wait_for("crash artifact", lambda: failure_artifact(crashing.id), 60, serve, log)

                # The run after it waits its NEWSFACTS_LOCK_TIMEOUT_S and fails.
                def failed_run():
                    runs = runs_started_since(reingest.id, locked_at)
                    done = [r for r in runs if r.id != crashing.id and r.state is not None and r.state.is_final()]
                    return done[0] if done else None

                failing = wait_for("a scheduled run that fails", failed_run, DUE_S + LOCK_WAIT_S, serve, log)
            assert failing.state_type == StateType.FAILED, failing.state
            fail_note = wait_for("failure artifact", lambda: failure_artifact(failing.id), 60, serve, log)
            # Prefect ships log lines in batches, after the artifact: wait for them while serve still runs.
            crash_line = f"newsfacts run {crashing.name} Crashed in stage before the first stage"
            fail_line = f"newsfacts run {failing.name} Failed in stage warehouse lock: WarehouseBusy"
            wait_for("the crash's log line", lambda: crash_line in run_log(crashing.id), 60, serve, log)
            wait_for("the failure's log line", lambda: fail_line in run_log(failing.id), 60, serve, log)
        finally:
            stop_group(serve)

        assert crash_note.description == "Crashed in stage before the first stage"
        assert "| stage | before the first stage |" in crash_note.data
        assert crash_line in run_log(crashing.id)
        assert fail_note.description == "Failed in stage warehouse lock"
        assert "another newsfacts run is writing" in fail_note.data
        assert fail_line in run_log(failing.id)
        print(f"crashed {crashing.name}: {crash_note.description}; failed {failing.name}: {fail_note.description}")
    assert tracebacks(server_log) == []
