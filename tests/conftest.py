"""Test-wide settings: a private Prefect home and patience for its server on slow machines."""

import os
import shutil
import tempfile
from collections.abc import Iterator
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


CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# Root in a container: no sandbox; nothing but the server on 127.0.0.1 is reached.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Debian's chromium under chromedriver, with a fresh profile."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("no chromium and chromedriver: `bash tests/install_browser.sh` installs Debian's (root, apt-get)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a test extra: pip install -e '.[test]'")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in [*CHROMIUM_ARGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(
        service=Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log")), options=options
    )
    driver.implicitly_wait(15)
    try:
        yield driver
    finally:
        driver.quit()
