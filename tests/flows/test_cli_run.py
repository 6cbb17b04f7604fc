"""The README's run command as a user types it: no Prefect server configured, Prefect's embedded one."""

import os
import shutil
import subprocess

from tests.conftest import SEEDS
from tests.flows.test_concurrency import NEWSFACTS


def test_newsfacts_run_starts_its_own_prefect_api_and_publishes(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SEEDS, landing)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFACTS_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        NEWSFACTS_SOURCE=str(landing),
        NEWSFACTS_WAREHOUSE=str(tmp_path / "newsfacts.duckdb"),
        NEWSFACTS_PUBLISH_DIR=str(tmp_path / "published"),
        NEWSFACTS_DATA_DOCS_DIR=str(tmp_path / "data_docs"),
        COLUMNS="250",
    )
    done = subprocess.run([NEWSFACTS, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "temporary server" in output
    assert "documents new" in output and "5" in output
    assert (tmp_path / "published" / "manifest.json").exists()
