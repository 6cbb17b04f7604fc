"""The `reingest` and `manual` deployments of the newsfacts pipeline, served by `newsfacts serve`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect import serve
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.logging import get_logger
from prefect.schedules import Cron
from prefect.settings import get_current_settings
from pydantic import ValidationError

from flows.pipeline import newsfacts_pipeline
from flows.settings import Settings

REINGEST = "reingest"
MANUAL = "manual"
# The slug lets a redeploy patch the existing schedule in place instead of replacing it.
SCHEDULE_SLUG = "reingest-cron"
TAGS = ["newsfacts"]

logger = get_logger("newsfacts.serve")


class ServeError(RuntimeError):
    """Deployments that cannot be registered or served, with a message for the user."""


@dataclass(frozen=True)
class SwitchState:
    """What a user switched off in the UI: the whole deployment, or the re-ingestion schedule alone."""

    paused: bool = False
    schedule_active: bool = True


def serve_deployments(settings: Settings, cron: str, timezone: str) -> None:
    """Register both deployments on the server PREFECT_API_URL names and run their flow runs until stopped."""
    api_url = require_server()
    current = {name: read_switch_state(name) for name in (REINGEST, MANUAL)}
    deployments = build_deployments(settings, cron, timezone, current)
    reingest = current[REINGEST]
    if reingest.paused:
        logger.warning("%s stays paused as set in the UI; resume it there to re-ingest on schedule", REINGEST)
    elif not reingest.schedule_active:
        logger.warning("the schedule of %s stays off as set in the UI; switch it on there to use it", REINGEST)
    logger.info(
        "serving %s on %s (schedule %r, %s)", ", ".join(d.full_name for d in deployments), api_url, cron, timezone
    )
    # Stopping `serve` must not pause the schedules: a pause is a user's decision, kept across restarts.
    serve(*deployments, pause_on_shutdown=False)


def require_server() -> str:
    """The API URL of a running Prefect server; serving on the embedded one would vanish with the process."""
    api_url = get_current_settings().api.url
    if not api_url:
        raise ServeError(
            "PREFECT_API_URL is not set: `newsfacts serve` needs a running Prefect server. Start one with "
            "`prefect server start --host 127.0.0.1`, then `export PREFECT_API_URL=http://127.0.0.1:4200/api`"
        )
    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise ServeError(
            f"no Prefect server answers at {api_url} ({problem}); start it with "
            "`prefect server start --host 127.0.0.1` or fix PREFECT_API_URL"
        )
    return api_url


def read_switch_state(name: str) -> SwitchState:
    """The pause switches of a registered deployment; both on for one not registered yet."""
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(f"{newsfacts_pipeline.name}/{name}")
        except ObjectNotFound:
            return SwitchState()
    # A schedule registered without a slug is replaced by ours on the server; it hands its switch over.
    mine = [s for s in deployment.schedules if s.slug == SCHEDULE_SLUG] or [
        s for s in deployment.schedules if s.slug is None
    ]
    return SwitchState(paused=bool(deployment.paused), schedule_active=mine[0].active if mine else True)


def default_parameters(settings: Settings) -> dict[str, Any]:
    """Run-form defaults of both deployments: the settings `newsfacts run` uses."""
    return {
        "source": str(settings.source.absolute()),
        "full_refresh": False,
        "publish_only_ok": settings.publish_only_ok,
        "warehouse": str(settings.warehouse.absolute()),
        "publish_dir": str(settings.publish_dir.absolute()),
    }


def build_deployments(
    settings: Settings, cron: str, timezone: str, current: dict[str, SwitchState]
) -> list[RunnerDeployment]:
    """The scheduled `reingest` and unscheduled `manual` deployments, keeping the switches in `current`."""
    reingest_state = current.get(REINGEST, SwitchState())
    try:
        schedule = Cron(cron, timezone=timezone, slug=SCHEDULE_SLUG, active=reingest_state.schedule_active)
        reingest = newsfacts_pipeline.to_deployment(
            REINGEST,
            schedule=schedule,
            paused=reingest_state.paused,
            # A scheduled run that finds the previous one still running has nothing to add: refused.
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
            parameters=default_parameters(settings),
            description=f"Re-ingest the landing folder on schedule ({cron}, {timezone}): new and changed files only.",
            tags=TAGS,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    except ValueError as exc:
        reason = "; ".join(e["msg"] for e in exc.errors()) if isinstance(exc, ValidationError) else str(exc)
        raise ServeError(f"invalid schedule {cron!r} in timezone {timezone!r}: {reason}") from exc
    manual = newsfacts_pipeline.to_deployment(
        MANUAL,
        paused=current.get(MANUAL, SwitchState()).paused,
        parameters=default_parameters(settings),
        description="Run the pipeline on demand from the UI; edit the parameters in the run form.",
        tags=TAGS,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    for deployment in (reingest, manual):
        # Said explicitly, so that serving detaches a deployment `prefect deploy` attached to a work pool:
        # otherwise the pool's workers would pick up its runs too.
        deployment.work_pool_name = None
    return [reingest, manual]
