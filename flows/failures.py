"""What a failed or crashed pipeline run leaves for people: a log line and an artifact naming its stage and reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import ArtifactCreate
from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterFlowRunId
from prefect.client.schemas.objects import FlowRun, State, StateType, TaskRun
from prefect.logging.loggers import flow_run_logger

FAILURE_ARTIFACT = "newsfacts-run-failure"
# Raised by the flow body between two tasks; the message alone names no task.
FLOW_BODY_STAGES = {"QualityGateFailed": "quality gate", "WarehouseBusy": "warehouse lock"}
_PREFECT_PREFIX = re.compile(r"^(Flow|Task) run encountered an exception:?\s*")


@dataclass(frozen=True)
class Failure:
    """Where a run stopped and why."""

    stage: str
    reason: str


def locate_failure(task_runs: list[TaskRun], state: State) -> Failure:
    """The stage (task) a run stopped in and the reason, from its task runs and final state."""
    started = sorted((t for t in task_runs if t.start_time is not None), key=lambda t: t.start_time)
    for bad in (StateType.FAILED, StateType.CRASHED, StateType.RUNNING):
        hit = [t for t in started if t.state_type == bad]
        if hit:
            task = hit[0]
            reason = task.state.message if task.state and task.state.message and bad != StateType.RUNNING else None
            return Failure(_task_name(task), _clean(reason or state.message))
    reason = _clean(state.message)
    for exception, stage in FLOW_BODY_STAGES.items():
        if reason.startswith(exception):
            return Failure(stage, reason)
    return Failure(f"after {_task_name(started[-1])}" if started else "before the first stage", reason)


def report_failure(flow: Any, flow_run: FlowRun, state: State) -> None:
    """Flow hook (on_failure, on_crashed): log the stage and reason, and leave them as an artifact of the run."""
    logger = flow_run_logger(flow_run, flow)
    with get_client(sync_client=True) as client:
        try:
            task_runs = client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[flow_run.id]))
            )
        except Exception as exc:  # the API is what failed: say so rather than nothing
            logger.warning("could not read the task runs of %s: %s", flow_run.name, exc)
            task_runs = []
        failure = locate_failure(task_runs, state)
        logger.error("newsfacts run %s %s in stage %s: %s", flow_run.name, state.name, failure.stage, failure.reason)
        client.create_artifact(
            ArtifactCreate(
                key=FAILURE_ARTIFACT,
                type="markdown",
                data=failure_markdown(flow_run, state, failure),
                description=f"{state.name} in stage {failure.stage}",
                flow_run_id=flow_run.id,
            )
        )


def failure_markdown(flow_run: FlowRun, state: State, failure: Failure) -> str:
    """The failure artifact: run, state, stage, reason, deployment and parameters."""
    return (
        f"# newsfacts run {flow_run.name}: {state.name}\n\n"
        f"| | |\n|---|---|\n| stage | {failure.stage} |\n| reason | {failure.reason.replace('|', '/')} |\n"
        f"| deployment | {flow_run.deployment_id or 'none'} |\n| parameters | {flow_run.parameters} |\n"
    )


def _task_name(task: TaskRun) -> str:
    # A task run is named after its task plus "-<key>".
    return task.name.rsplit("-", 1)[0]


def _clean(message: str | None) -> str:
    return _PREFECT_PREFIX.sub("", (message or "no message").strip())
