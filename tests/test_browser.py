"""A real browser: Voila serves notebooks/06-explorers.ipynb, headless Chromium picks a student.

Needs Debian's ``chromium`` (never a downloaded browser), ``voila`` and ``playwright``;
``.ci/run`` installs all three. Where one is missing the test skips and says which.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06-explorers.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless on a closed network: no sandbox as root, no GPU, no background calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="voila is not installed (pip install voila)"),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed (pip install playwright)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila(tmp_path):
    port = _free_port()
    env = os.environ | {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache"), "CANVASFRAME_PROGRESS": "0"}
    for name in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVAS_COURSE_ID", "CANVAS_ACCOUNT_ID"):
        env.pop(name, None)
    log = (tmp_path / "voila.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=NOTEBOOK.parent,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url + "api/status", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(20)
    log.close()


def test_voila_explorer_shows_the_picked_students_figure(voila):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2200})
            page.goto(voila, timeout=120_000)
            page.get_by_role("tab", name="Students").click()
            picker = page.locator(".cf-student-picker select")
            expect(picker).to_be_visible(timeout=120_000)
            first_image = page.locator("img.cf-student-heatmap").get_attribute("src", timeout=60_000)
            option = picker.locator("option").nth(1)
            label = option.inner_text()
            student_id = label.split()[0]
            picker.select_option(index=1)
            table = page.locator(".cf-student-table")
            expect(table).to_contain_text(student_id, timeout=60_000)
            heatmap = page.locator("img.cf-student-heatmap")
            expect(heatmap).to_be_visible()
            page.wait_for_function(
                "src => document.querySelector('img.cf-student-heatmap').getAttribute('src') !== src",
                arg=first_image,
                timeout=60_000,
            )
            page.screenshot(path=str(ARTIFACTS / "voila-course-explorer.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "voila-course-explorer.png").stat().st_size > 10_000
