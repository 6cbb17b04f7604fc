"""The deployments `newsfacts serve` registers; end to end on a real Prefect server, triggered as the UI does."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from flows.deployments import MANUAL, REINGEST, ServeError, SwitchState, build_deployments, require_server
from flows.settings import Settings
from tests.flows.processes import read_deployment, start_serve, stop_group, tail, tracebacks, wait_for
from warehouse.readonly import run_query

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "raw"
RUN_S = 300
HO_CHI_MINH = ZoneInfo("Asia/Ho_Chi_Minh")


def redeployed_with(cron: str):
    """The reingest deployment once its schedule has the given cron, else None."""
    deployment = read_deployment("reingest")
    if deployment is not None and any(s.schedule.cron == cron for s in deployment.schedules):
        return deployment
    return None


def trigger_and_wait(deployment_id: UUID, proc: subprocess.Popen, log: Path, **parameters) -> UUID:
    """Create a run from the deployment as the UI's Run button does, and wait for it to finish."""
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment_id, parameters=parameters)

    def finished():
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(run.id).state
        return state if state is not None and state.is_final() else None

    state = wait_for(f"flow run {run.id}", finished, RUN_S, proc, log)
    assert state.type == StateType.COMPLETED, f"{state.type}: {state.message}\n{tail(log)}"
    return run.id


def next_six_am(after: datetime, count: int) -> list[datetime]:
    """The next `count` 06:00 of Ho Chi Minh City after a moment, in UTC."""
    day = after.astimezone(HO_CHI_MINH).date()
    times = (datetime.combine(day + timedelta(days=n), clock(6), HO_CHI_MINH) for n in range(count + 1))
    return [t.astimezone(UTC) for t in times if t > after][:count]


def scheduled_runs(deployment_id: UUID, at_least: int):
    """The runs in state Scheduled of a deployment, by expected start, once there are `at_least`."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        )
    return runs if len(runs) >= at_least else None


def changed_copy(text: str) -> str:
    """The same article with its first number changed, so it is a new document."""
    return re.sub(r"\d+", lambda m: str(int(m.group()) + 1), text, count=1)


def test_new_deployments_take_their_defaults_from_settings(tmp_path: Path) -> None:
    settings = Settings(source=tmp_path / "landing", warehouse=tmp_path / "w.duckdb", publish_only_ok=True)
    reingest, manual = build_deployments(settings, "15 7 * * 1-5", "UTC", {})
    assert (reingest.name, manual.name) == (REINGEST, MANUAL)
    (schedule,) = reingest.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == ("15 7 * * 1-5", "UTC", True)
    assert manual.schedules == []
    assert not reingest.paused and not manual.paused
    for deployment in (reingest, manual):
        assert deployment.entrypoint == "flows.pipeline.newsfacts_pipeline"
        assert deployment.parameters == {
            "source": str(tmp_path / "landing"),
            "full_refresh": False,
            "publish_only_ok": True,
            "warehouse": str(tmp_path / "w.duckdb"),
            "publish_dir": str(settings.publish_dir.absolute()),
        }


@pytest.mark.parametrize(
    "current",
    [
        # The user paused the whole deployment.
        {REINGEST: SwitchState(paused=True, schedule_active=True)},
        # The user switched the schedule alone off.
        {REINGEST: SwitchState(paused=False, schedule_active=False)},
        # Both, and the manual deployment paused too.
        {REINGEST: SwitchState(paused=True, schedule_active=False), MANUAL: SwitchState(paused=True)},
    ],
)
def test_redeploying_keeps_what_the_user_switched_off(current: dict[str, SwitchState]) -> None:
    reingest, manual = build_deployments(Settings(), "0 6 * * *", "Asia/Ho_Chi_Minh", current)
    assert reingest.paused == current[REINGEST].paused
    assert [s.active for s in reingest.schedules] == [current[REINGEST].schedule_active]
    assert manual.paused == current.get(MANUAL, SwitchState()).paused


@pytest.mark.parametrize(
    ("cron", "timezone", "reason"),
    [
        ("0 6 * *", "Asia/Ho_Chi_Minh", "Invalid cron string"),  # a field missing
        ("0 6 * * *", "Asia/Hanoi City", "Invalid timezone"),  # not an IANA name
    ],
)
def test_a_bad_schedule_is_refused_with_its_reason(cron: str, timezone: str, reason: str) -> None:
    with pytest.raises(ServeError, match=reason):
        build_deployments(Settings(), cron, timezone, {})


def test_serve_refuses_to_start_without_a_server() -> None:
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(ServeError, match="PREFECT_API_URL"):
        require_server()


@pytest.mark.slow
def test_serve_registers_deployments_and_runs_only_new_documents(
    tmp_path: Path, prefect_server: str, server_log: Path, no_deployments: None
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, landing / seed.name)
    warehouse = tmp_path / "warehouse" / "newsfacts.duckdb"
    timings: dict[str, float] = {}

    with temporary_settings(updates={PREFECT_API_URL: prefect_server, PREFECT_HOME: str(tmp_path / "test-home")}):
        serve, log = start_serve(tmp_path, prefect_server, "serve")
        try:
            started = time.monotonic()
            reingest = wait_for("reingest deployment", lambda: read_deployment("reingest"), 120, serve, log)
            manual = wait_for("manual deployment", lambda: read_deployment("manual"), 120, serve, log)
            timings["deployments registered"] = time.monotonic() - started
            registered_at = datetime.now(UTC)

            # The server's scheduler, not serve, creates the runs: they exist only if it works.
            started = time.monotonic()
            runs = wait_for("scheduled runs of reingest", lambda: scheduled_runs(reingest.id, 3), 120, serve, log)
            timings["runs scheduled"] = time.monotonic() - started
            expected = next_six_am(registered_at, 3)
            assert [r.expected_start_time for r in runs[:3]] == expected
            assert all(r.auto_scheduled for r in runs)
            print("scheduled runs of reingest at " + ", ".join(f"{t:%Y-%m-%d %H:%M} UTC" for t in expected))

            assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in reingest.schedules] == [
                ("0 6 * * *", "Asia/Ho_Chi_Minh", True)
            ]
            assert not reingest.paused
            assert manual.schedules == []
            assert manual.parameters["source"] == str(landing)
            assert manual.parameters["warehouse"] == str(warehouse)
            # The UI's run form is built from this schema: every parameter typed and described.
            properties = manual.parameter_openapi_schema["properties"]
            assert set(properties) == {"source", "full_refresh", "publish_only_ok", "warehouse", "publish_dir"}
            assert all(p.get("description") for p in properties.values())

            started = time.monotonic()
            first = trigger_and_wait(manual.id, serve, log)
            timings["first run"] = time.monotonic() - started
            extracted_before = run_query(warehouse, "select doc_id, extracted_at from staging.stg_extractions")
            assert extracted_before.height == 5

            (landing / "005_new_article.txt").write_text(
                changed_copy((landing / "000_750f2edc30187d49.txt").read_text(encoding="utf-8")), encoding="utf-8"
            )
            started = time.monotonic()
            second = trigger_and_wait(manual.id, serve, log, full_refresh=False)
            timings["second run"] = time.monotonic() - started
        finally:
            stop_group(serve)

        ingest = run_query(
            warehouse, f"select source_path, status, doc_id from raw.ingest_log where run_id = '{second}' order by 1"
        )
        assert dict(ingest.select("source_path", "status").iter_rows()) == {
            "000_750f2edc30187d49.txt": "unchanged",
            "001_56a80109ba288b84.txt": "unchanged",
            "002_20242fb28684d17e.txt": "unchanged",
            "003_e632ea0e1a981b2d.txt": "unchanged",
            "004_42d8dd3442e57b83.txt": "unchanged",
            "005_new_article.txt": "new",
        }
        new_doc = ingest.filter(ingest["status"] == "new")["doc_id"].item()
        extracted_after = run_query(warehouse, "select doc_id, extracted_at from staging.stg_extractions")
        newly_extracted = extracted_after.join(extracted_before, on=["doc_id", "extracted_at"], how="anti")
        assert newly_extracted["doc_id"].to_list() == [new_doc]
        runs = run_query(warehouse, "select run_id, status from raw.runs order by started_at")
        assert runs.rows() == [(str(first), "completed"), (str(second), "completed")]

        # A user pauses the deployment and switches its schedule off in the UI, then serve is redeployed.
        with get_client(sync_client=True) as client:
            client.pause_deployment(reingest.id)
            client.update_deployment_schedule(reingest.id, reingest.schedules[0].id, active=False)
        serve, log = start_serve(tmp_path, prefect_server, "serve-again", "--cron", "30 5 * * *")
        try:
            started = time.monotonic()
            redeployed = wait_for("redeployed schedule", lambda: redeployed_with("30 5 * * *"), 120, serve, log)
            timings["redeployed"] = time.monotonic() - started
        finally:
            stop_group(serve)
        assert redeployed.paused
        assert [(s.id, s.active, s.schedule.timezone) for s in redeployed.schedules] == [
            (reingest.schedules[0].id, False, "Asia/Ho_Chi_Minh")
        ]
        # Stopping serve pauses nothing: the manual deployment was never paused by the user.
        assert not read_deployment("manual").paused
    assert tracebacks(server_log) == []
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
