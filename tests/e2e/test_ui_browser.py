"""End to end, as a person uses it: `napkin ui` serves the page, a real headless Chromium
(Debian's `chromium`, driven by Playwright) types 2e7 daily users, watches the headline
change, picks another GPU and sees its price, runs a short simulation and downloads a report
that holds the edits. Screenshots go to $NAPKIN_ARTIFACTS (default: test-artifacts/).
Skipped where Playwright or Chromium is missing; `.ci/run` installs both so CI always runs it.

The server runs in its own process group (`napkin ui` starts Streamlit as a child process),
which the fixture ends as a whole and then checks is gone."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from napkin.planner import plan
from napkin.specs.catalog import find_gpu
from napkin.specs.loader import load_design
from napkin.ui.headline import GPUS, headline

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
ARTIFACTS = Path(os.environ.get("NAPKIN_ARTIFACTS", "test-artifacts"))
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _live_in_group(group: int) -> list[int]:
    """Processes of a process group that are still running (zombies excluded)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


def _serving(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen, port: int) -> None:
    """End `napkin ui` and its Streamlit child together, then check both are gone."""
    group = process.pid  # start_new_session: the group is named after its leader
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 10
        while _live_in_group(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _live_in_group(group):
            break
    process.wait(timeout=10)
    assert process.poll() is not None, "napkin ui is still running"
    assert not _live_in_group(group), "a server process outlived the test"
    assert not _serving(port), "something still serves the test's port"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "STREAMLIT_SERVER_HEADLESS": "true"}
    command = [sys.executable, "-m", "napkin.cli", "ui", "chatbot", "--port", str(port)]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
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
        _stop(process, port)


def _metric(page, label: str):  # noqa: ANN001, ANN202
    name = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=name)


def _value(page, label: str) -> str:  # noqa: ANN001
    return _metric(page, label).get_by_test_id("stMetricValue").inner_text()


def _expected_gpus(changes: list[str]) -> str:
    shown = headline(plan(load_design("chatbot", changes)))
    return next(m.value for m in shown.metrics if m.label == GPUS)


def _choose(page, label: str, option: str) -> None:  # noqa: ANN001
    box = page.get_by_test_id("stSelectbox").filter(
        has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    )
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()


def _type(page, label: str, text: str) -> None:  # noqa: ANN001
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")


def _edit_and_watch(page) -> None:  # noqa: ANN001
    """2e7 users move the headline; a new GPU brings its catalog price."""
    before = _value(page, GPUS)
    assert before == _expected_gpus([])
    _type(page, "Daily active users", "2e7")
    after = _expected_gpus(["workload.dau=20000000"])
    assert after != before
    sync_api.expect(_metric(page, GPUS).get_by_test_id("stMetricValue")).to_have_text(after)
    price = page.get_by_label("Price per GPU-hour (USD)", exact=True)
    sync_api.expect(price).to_have_value("2")
    _choose(page, "GPU", "H200")
    sync_api.expect(price).to_have_value(f"{find_gpu('H200').price_per_gpu_hour_usd:g}")
    sync_api.expect(_metric(page, "GPU type")).to_contain_text("H200")
    page.screenshot(path=ARTIFACTS / "ui-edited.png", full_page=True)


def _simulate(page) -> None:  # noqa: ANN001
    page.get_by_role("tab", name="simulate").click()
    seconds = page.get_by_label("Simulated seconds")
    seconds.fill("5")
    seconds.press("Enter")
    page.get_by_role("button", name="run simulation").click()
    sync_api.expect(page.get_by_test_id("stJson")).to_be_visible()
    sync_api.expect(_metric(page, "Requests completed")).to_be_visible()
    sync_api.expect(page.locator("svg").filter(has_text="simulation").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "ui-simulation.png", full_page=True)


def _report(page, tmp_path: Path) -> str:  # noqa: ANN001
    page.get_by_role("tab", name="save & share").click()
    page.get_by_role("button", name="build report").click()
    download_button = page.get_by_role("button", name="download report (HTML)")
    sync_api.expect(download_button).to_be_visible(timeout=120_000)
    with page.expect_download() as download:
        download_button.click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    return report.read_text()


def test_edit_users_and_gpu_simulate_and_download_the_report(server: str, tmp_path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(server)
            sync_api.expect(_metric(page, GPUS)).to_be_visible()
            page.screenshot(path=ARTIFACTS / "ui-chatbot.png", full_page=True)
            page.get_by_role("tab", name="whiteboard").click()
            board = page.locator("svg").filter(has_text="LLM fleet").first
            sync_api.expect(board).to_be_visible()
            page.screenshot(path=ARTIFACTS / "ui-whiteboard.png", full_page=True)
            _edit_and_watch(page)
            _simulate(page)
            text = _report(page, tmp_path)
        finally:
            browser.close()
    assert "<svg" in text
    assert "20,000,000" in text  # the typed users
    assert "H200" in text and f"{find_gpu('H200').price_per_gpu_hour_usd:g}" in text
