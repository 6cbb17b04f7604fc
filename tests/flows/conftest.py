"""One real Prefect server for the slow flow tests, started once per session."""

from collections.abc import Iterator

import pytest

from tests.flows import processes


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API URL of a real `prefect server start` on 127.0.0.1 shared by the slow flow tests."""
    with processes.prefect_server(tmp_path_factory.mktemp("prefect-server")) as api_url:
        yield api_url
