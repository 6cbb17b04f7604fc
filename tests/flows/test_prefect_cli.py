"""Prefect's own commands on the pinned versions: `prefect deploy --all` from prefect.yaml, a worker, ls and inspect."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.flows.processes import BIN, newsfacts_env, start, stop_group, tail, tracebacks

POOL = "newsfacts"


def prefect(env: dict[str, str], *args: str, timeout_s: float = 300) -> str:
    """A prefect command from the project root, as docs/operations.md gives it; its output, asserting success."""
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"prefect {' '.join(args)} exited {done.returncode}:\n{output[-4000:]}"
    return output


@pytest.mark.slow
def test_deploy_all_with_a_process_pool_and_a_worker(
    tmp_path: Path, prefect_server: str, server_log: Path, no_deployments: None
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(seed, landing / seed.name)
    # Workers poll every 2 s instead of 15.
    env = newsfacts_env(tmp_path, "cli", prefect_server, PREFECT_WORKER_QUERY_SECONDS="2")

    prefect(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    deployed = prefect(env, "deploy", "--all")
    assert "newsfacts-pipeline/reingest" in deployed and "newsfacts-pipeline/manual" in deployed

    listed = prefect(env, "deployment", "ls")
    assert "newsfacts-pipeline/reingest" in listed and "newsfacts-pipeline/manual" in listed
    inspected = prefect(env, "deployment", "inspect", "newsfacts-pipeline/reingest")
    for expected in ("'cron': '0 6 * * *'", "'timezone': 'Asia/Ho_Chi_Minh'", f"'work_pool_name': '{POOL}'"):
        assert expected in inspected, inspected

    worker = start([str(BIN / "prefect"), "worker", "start", "--pool", POOL], env, tmp_path / "worker.log", ROOT)
    try:
        ran = prefect(env, "deployment", "run", "newsfacts-pipeline/manual", "--watch", timeout_s=400)
    finally:
        stop_group(worker)
    assert "Completed" in ran, ran + tail(tmp_path / "worker.log")
    # The worker ran the pipeline with its own NEWSFACTS_* settings: the parameters prefect.yaml leaves unset.
    assert (tmp_path / "published" / "manifest.json").exists(), tail(tmp_path / "worker.log")
    print(f"prefect deployment run --watch: {ran.strip().splitlines()[-1]}")
    assert tracebacks(server_log) == []


SLACK_EXAMPLE_URL = "https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24


@pytest.mark.slow
def test_the_documented_failure_automation_is_accepted(tmp_path: Path, prefect_server: str) -> None:
    from prefect.blocks.notifications import SlackWebhook
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env = newsfacts_env(tmp_path, "cli", prefect_server)
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        # Slack's documented example address: the test proves the server stores the automation, it sends nothing.
        block_id = SlackWebhook(url=SLACK_EXAMPLE_URL).save("newsfacts-alerts", overwrite=True)
    # The steps docs/operations.md gives: the block's id into the committed automation, then create it.
    spec = tmp_path / "automation.yaml"
    spec.write_text((ROOT / "docs" / "failed-runs-automation.yaml").read_text().replace("BLOCK_ID", str(block_id)))
    created = prefect(env, "automation", "create", "--from-file", str(spec))
    assert "newsfacts run failed" in created and "Failed" not in created.replace("run failed", ""), created
    listed = prefect(env, "automation", "inspect", "newsfacts run failed", "--yaml")
    assert "prefect.flow-run.Crashed" in listed and str(block_id) in listed, listed
