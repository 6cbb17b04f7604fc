"""The Prefect UI in a real browser: Deployments → manual → Run → Quick run, to Completed and the run's artifacts."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.flows.processes import start_serve, stop_group, tail, tracebacks

RUN_S = 300
FINAL = ("Completed", "Failed", "Crashed", "Cancelled")


def artifact_cards(driver) -> list:
    """The artifact cards the Artifacts tab shows, once they are there."""
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.XPATH, "//*[normalize-space()='newsfacts-run-summary']")


@pytest.mark.slow
def test_quick_run_from_the_ui_completes_and_shows_its_artifacts(
    tmp_path: Path, prefect_server: str, server_log: Path, no_deployments: None, browser
) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    landing = tmp_path / "landing"
    landing.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(seed, landing / seed.name)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    ui = prefect_server.removesuffix("/api")

    def shot(name: str) -> None:
        browser.save_screenshot(str(shots / f"{name}.png"))

    def click(xpath: str) -> None:
        # Menus and toasts slide in: a click lands once the element has stopped under the pointer.
        WebDriverWait(browser, 30, ignored_exceptions=[WebDriverException]).until(
            lambda driver: driver.find_element(By.XPATH, xpath).click() or True
        )

    serve, log = start_serve(tmp_path, prefect_server, "serve")
    try:
        browser.get(f"{ui}/deployments")
        # serve registers the deployments a few seconds after it starts: the list fills in on reload.
        deadline = time.monotonic() + 120
        while not browser.find_elements(By.LINK_TEXT, "manual"):
            assert serve.poll() is None and time.monotonic() < deadline, tail(log)
            browser.refresh()
        shot("1-deployments")
        browser.find_element(By.LINK_TEXT, "manual").click()
        click("//button[normalize-space()='Run']")
        shot("2-run-menu")
        click("//button[normalize-space()='Quick run']")
        shot("3-quick-run")
        # The new run, as the deployment's page lists it (the toast's "View run" sits under the side panel).
        click("//a[contains(@href, '/runs/flow-run/')]")
        browser.implicitly_wait(0)
        deadline = time.monotonic() + RUN_S
        state = None
        while state is None:
            assert serve.poll() is None and time.monotonic() < deadline, tail(log)
            badges = browser.find_elements(By.CSS_SELECTOR, ".state-badge")
            state = next((b.text for b in badges if b.text.strip() in FINAL), None)
            time.sleep(1)
        shot("4-flow-run")
        assert state.strip() == "Completed", tail(log)
        run_url = browser.current_url
        browser.implicitly_wait(15)
        click("//*[normalize-space()='Artifacts' and not(*[normalize-space()='Artifacts'])]")  # the tab itself
        cards = WebDriverWait(browser, 30).until(lambda driver: artifact_cards(driver) or None)
        browser.execute_script("arguments[0].scrollIntoView()", cards[0])
        shot("5-artifacts")
        page = browser.find_element(By.TAG_NAME, "body").text
    finally:
        stop_group(serve)
        print(f"UI screenshots: {shots}")
    # The run's summary, and the quality report and flagged rows its validation task left.
    assert {"newsfacts-run-summary", "newsfacts-quality"} <= set(page.split()), page
    print(f"flow run {run_url}: {state}")
    assert tracebacks(server_log) == []
