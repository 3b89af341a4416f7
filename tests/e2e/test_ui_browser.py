"""End to end, as a person uses it: `napkin ui` serves the page, a real headless Chromium
(Debian's `chromium`, driven by Playwright) changes daily users, watches the GPU count change,
runs a short simulation and downloads the report. Screenshots go to $NAPKIN_ARTIFACTS
(default: test-artifacts/). Skipped where Playwright or Chromium is missing; `.ci/run`
installs both so CI always runs it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
ARTIFACTS = Path(os.environ.get("NAPKIN_ARTIFACTS", "test-artifacts"))
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "STREAMLIT_SERVER_HEADLESS": "true"}
    command = [sys.executable, "-m", "napkin.cli", "ui", "chatbot", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                assert process.poll() is None, "napkin ui exited before serving"
                time.sleep(0.5)
        else:
            pytest.fail("napkin ui did not start within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _metric(page, label: str):  # noqa: ANN001, ANN202
    name = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=name)


def _gpus(page) -> str:  # noqa: ANN001
    return _metric(page, "gpus_provisioned").get_by_test_id("stMetricValue").inner_text()


def test_change_users_simulate_and_download_the_report(server: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        sync_api.expect(page.get_by_test_id("stMetric").first).to_be_visible()
        assert _gpus(page) == "3,480 GPUs"
        page.screenshot(path=ARTIFACTS / "ui-chatbot.png", full_page=True)
        page.get_by_role("tab", name="whiteboard").click()
        sync_api.expect(page.locator("svg").filter(has_text="LLM fleet").first).to_be_visible()
        page.screenshot(path=ARTIFACTS / "ui-whiteboard.png", full_page=True)

        users = page.get_by_label("dau")
        users.fill("20000000")
        users.press("Enter")
        sync_api.expect(_metric(page, "gpus_provisioned")).not_to_contain_text("3,480 GPUs")
        doubled = int(re.sub(r"\D", "", _gpus(page)))
        assert 2 * 3480 - 16 <= doubled <= 2 * 3480 + 16  # twice the users, whole replicas

        page.get_by_role("tab", name="simulate").click()
        seconds = page.get_by_label("simulated seconds")
        seconds.fill("5")
        seconds.press("Enter")
        page.get_by_role("button", name="run simulation").click()
        sync_api.expect(page.get_by_test_id("stJson")).to_be_visible()
        sync_api.expect(_metric(page, "requests completed")).to_be_visible()
        sync_api.expect(page.locator("svg").filter(has_text="simulation").first).to_be_visible()
        page.screenshot(path=ARTIFACTS / "ui-simulation.png", full_page=True)

        page.get_by_role("tab", name="save & share").click()
        page.get_by_role("button", name="build report").click()
        download_button = page.get_by_role("button", name="download report (HTML)")
        sync_api.expect(download_button).to_be_visible(timeout=120_000)
        with page.expect_download() as download:
            download_button.click()
        report = tmp_path / "report.html"
        download.value.save_as(report)
        text = report.read_text()
        assert "<svg" in text and "gpus_provisioned" in text
        assert "20,000,000" in text  # the report is of the edited design
        browser.close()
