"""One real Prefect server for the slow flow tests, started once per session."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows import processes


@pytest.fixture(scope="session")
def prefect_server_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the shared server: its PREFECT_HOME and its log, server.log."""
    return tmp_path_factory.mktemp("prefect-server")


@pytest.fixture(scope="session")
def prefect_server(prefect_server_root: Path) -> Iterator[str]:
    """The API URL of a real `prefect server start` on 127.0.0.1 shared by the slow flow tests."""
    with processes.prefect_server(prefect_server_root) as api_url:
        yield api_url


@pytest.fixture
def server_log(prefect_server: str, prefect_server_root: Path) -> Path:
    """What the shared server printed so far (its scheduler and other services log there)."""
    return prefect_server_root / "server.log"


@pytest.fixture
def no_deployments(prefect_server: str) -> Iterator[None]:
    """The shared server without deployments of the pipeline before and after a test, and so without their runs."""
    processes.delete_pipeline_deployments(prefect_server)
    yield
    processes.delete_pipeline_deployments(prefect_server)
