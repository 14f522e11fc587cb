"""What the browser tests share: Debian's chromium driven by Playwright, a free port, a server's readiness.

Needs Debian's ``chromium`` (never a downloaded browser) and ``playwright``; ``.ci/run`` installs
both. Where one is missing the tests skip and say which.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
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


def needs(*modules: str) -> list[pytest.MarkDecorator]:
    """Skip marks: chromium, and each Python module the test needs."""
    no_chromium = "Debian's chromium is not installed (apt-get install chromium)"
    marks = [pytest.mark.skipif(CHROMIUM is None, reason=no_chromium)]
    for module in ("playwright", *modules):
        missing = importlib.util.find_spec(module) is None
        marks.append(pytest.mark.skipif(missing, reason=f"{module} is not installed (pip install -e '.[dev]')"))
    return marks


def requires(*modules: str) -> Any:
    """Decorate a test with :func:`needs`' skip marks."""

    def apply(test: Any) -> Any:
        for mark in needs(*modules):
            test = mark(test)
        return test

    return apply


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def sample_environment(tmp_path: Path) -> dict[str, str]:
    """A child process's environment: a private cache, no progress bars, never the user's Canvas."""
    env = os.environ | {"CANVASFRAME_CACHE_DIR": str(tmp_path / "cache"), "CANVASFRAME_PROGRESS": "0"}
    for name in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVAS_COURSE_ID", "CANVAS_ACCOUNT_ID"):
        env.pop(name, None)
    return env


@contextlib.contextmanager
def browser_page(url: str, *, console_errors: list[str] | None = None) -> Iterator[Any]:
    """A page of headless Debian chromium at ``url``; JavaScript console errors are collected if asked."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2200})
            if console_errors is not None:
                page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.goto(url, timeout=120_000)
            yield page
        finally:
            browser.close()
