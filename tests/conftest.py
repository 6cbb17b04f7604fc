"""Test-wide settings: a private Prefect home and patience for its server on slow machines."""

import os
import tempfile
from pathlib import Path

# Before anything imports prefect: its settings are read at import time.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="newsfacts-prefect-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "raw"
REFERENCE = ROOT / "seeds" / "reference"


@pytest.fixture(scope="session")
def prefect_api():
    """A real Prefect API (a temporary server) shared by the flow tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
