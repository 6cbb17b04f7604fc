"""The README's run command as a user types it: no Prefect server configured, Prefect's embedded one."""

import os
import re
import shutil
import sqlite3
import subprocess

import httpx
import pytest

from flows import embedded_api
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
    url = re.search(r"temporary Prefect server on (http://127\.0\.0\.1:\d+/api)", output)
    assert url, output
    assert re.search(r"files new\s+│\s+5 ", output), output
    assert (tmp_path / "published" / "manifest.json").exists()
    # The flow run was recorded by that server, which is gone with the command.
    assert "Beginning flow run" in output and "newsfacts-pipeline" in output
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url.group(1)}/health", timeout=2)
    # No link to that server (it has no UI and is gone); where the run is kept instead, after it stopped.
    assert "View at" not in output and f"{url.group(1).removesuffix('/api')}/runs" not in output
    home = tmp_path / "prefect"
    kept = re.search(rf"the Prefect run ([0-9a-f-]{{36}}) is kept in {home}: start a server on the same", output)
    assert kept, output
    assert f"`PREFECT_HOME={home} prefect server start`" in output
    # And it is there: the database `prefect server start` on that PREFECT_HOME reads.
    with sqlite3.connect(home / "prefect.db") as con:
        rows = con.execute("select state_type from flow_run where id = ?", [kept.group(1)]).fetchall()
    assert rows == [("COMPLETED",)]


def test_prefect_api_url_set_means_no_server_is_started(tmp_path, monkeypatch):
    from flows.embedded_api import prefect_api

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    with prefect_api() as ready:
        assert ready() is None


def test_a_server_that_cannot_start_is_a_clear_error_and_nothing_is_written(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFACTS_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        # A database folder that does not exist: the server's start-up fails.
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/missing/prefect.db",
        NEWSFACTS_SOURCE=str(SEEDS),
        NEWSFACTS_WAREHOUSE=str(tmp_path / "newsfacts.duckdb"),
        NEWSFACTS_PUBLISH_DIR=str(tmp_path / "published"),
        COLUMNS="250",
    )
    done = subprocess.run([NEWSFACTS, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    # A crash, not a failed quality gate (1) nor a usage error (2).
    assert done.returncode == 3
    assert "Prefect's API did not start" in done.stderr and "exited with code" in done.stderr
    assert not (tmp_path / "newsfacts.duckdb").exists()


def test_an_api_named_by_the_prefect_profile_is_used_and_the_early_server_stopped(monkeypatch):
    # Prefect settings other than the environment (a profile) are only known once Prefect is imported.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.embedded_api import prefect_api

    started = []
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(embedded_api.EmbeddedAPI, "__init__", _recording_init(started))
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}), prefect_api() as ready:
        assert ready() is None
        assert "PREFECT_API_URL" not in os.environ
    assert started and started[0].process.poll() is not None


def _recording_init(started: list):
    original = embedded_api.EmbeddedAPI.__init__

    def init(self) -> None:
        original(self)
        started.append(self)

    return init
