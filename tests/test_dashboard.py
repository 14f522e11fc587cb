"""``canvasframe dashboard`` as a user runs it: a real process, its page in headless Chromium, Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys

from canvasframe.sandbox.server import DEFAULT_TOKEN

from .browser import ARTIFACTS, browser_page, free_port, requires, sample_environment


def _start(tmp_path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "canvasframe", "dashboard", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or sample_environment(tmp_path),
    )


def _assert_locked_to_its_token_and_this_machine(url: str, port: int) -> None:
    """Without the printed token, or asked for by another host name (DNS rebinding), the page is not served."""
    import requests

    bare = f"http://127.0.0.1:{port}/"
    without = requests.get(bare, allow_redirects=False, timeout=60)
    assert without.status_code in (302, 401, 403) and "canvasframe" not in without.text.lower()
    rebound = requests.get(url, headers={"Host": f"attacker.example:{port}"}, allow_redirects=False, timeout=60)
    assert rebound.status_code == 403
    assert requests.get(url, allow_redirects=False, timeout=120).status_code == 200


@requires("voila")
def test_dashboard_serves_the_explorers_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    proc = _start(tmp_path, "--sample", f"--port={port}")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the server accepts connections
        assert line.startswith(f"canvasframe dashboard at http://127.0.0.1:{port}/?token="), line
        url = line.split()[3]
        _assert_locked_to_its_token_and_this_machine(url, port)
        with browser_page(url) as page:
            from playwright.sync_api import expect

            expect(page.get_by_role("tab", name="Overview")).to_be_visible(timeout=120_000)
            # The time-zone control starts at the course's own zone; the date range reads whole, never cut off.
            expect(page.locator(".cf-time-zone input")).to_have_value("America/Regina")
            expect(page.locator(".cf-range-readout")).to_contain_text("Showing ")
            readouts = page.locator(".widget-readout, .cf-range-readout")
            assert readouts.count() >= 2
            assert readouts.evaluate_all("els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length") == 0
            # Refresh what changed: the course explorer is built again, its frames asking Canvas what changed.
            page.locator(".cf-refresh-changed button, button.cf-refresh-changed").first.click()
            expect(page.locator(".cf-refreshed")).to_contain_text("Refreshed at", timeout=120_000)
            expect(page.get_by_role("tab", name="Overview")).to_be_visible(timeout=120_000)
            expect(page.get_by_role("tab", name="Account 1001")).to_be_visible()
            label = page.get_by_role("tab", name="BIOL 101: Foundations").locator(".lm-TabBar-tabLabel")
            assert label.evaluate("t => t.scrollWidth <= t.clientWidth + 1")  # the whole name shows
            page.get_by_role("tab", name="Account 1001").click()
            expect(page.get_by_text("Department of History")).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            assert DEFAULT_TOKEN not in page.content() and DEFAULT_TOKEN not in page.url
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "stopping the dashboard" in out
    assert DEFAULT_TOKEN not in out + err


def test_dashboard_without_a_canvas_says_what_is_missing(tmp_path):
    proc = _start(tmp_path, "1234")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "CANVAS_BASE_URL, CANVAS_API_TOKEN" in err and "--sample" in err


@requires("voila")
def test_dashboard_on_your_canvas_keeps_the_token_out_of_page_and_log(tmp_path):
    """Your Canvas (here one that refuses connections): the page says what failed, and no output holds the token."""
    secret = "abc123-dashboard-secret-token-xyz"
    env = sample_environment(tmp_path) | {"CANVAS_BASE_URL": "https://127.0.0.1:9", "CANVAS_API_TOKEN": secret}
    port = free_port()
    proc = _start(tmp_path, "42", f"--port={port}", env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        assert url.startswith(f"http://127.0.0.1:{port}/?token=") and secret not in url
        with browser_page(url) as page:
            from playwright.sync_api import expect

            expect(page.get_by_text("Could not load course 42")).to_be_visible(timeout=180_000)
            assert secret not in page.content()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and secret not in out + err


def test_the_sample_dashboard_kernel_never_gets_your_canvas_token(monkeypatch):
    """--sample with your Canvas's variables set: the kernel's environment drops them (it serves the sample)."""
    from canvasframe.app.dashboard import _kernel_environment

    secret = "sample-path-secret-token-5150"
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.example.edu")
    monkeypatch.setenv("CANVAS_API_TOKEN", secret)
    env = _kernel_environment(None, None, sample=True)
    assert "CANVAS_API_TOKEN" not in env and "CANVAS_BASE_URL" not in env and secret not in env.values()


def test_voilas_log_is_passed_on_with_your_token_masked(monkeypatch, capsys):
    """Whatever Voila or its kernel logs, the Canvas token the dashboard was given never reaches your terminal."""
    import io

    from canvasframe.app.dashboard import _kernel_environment, _pass_through

    secret = "log-path-secret-token-8675309"  # no "Bearer" before it: only the registered value can mask it
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.example.edu")
    monkeypatch.setenv("CANVAS_API_TOKEN", secret)
    env = _kernel_environment(42, None, sample=False)
    assert env["CANVAS_API_TOKEN"] == secret  # your Canvas: the kernel needs it
    _pass_through(io.BytesIO(f"[Voila] kernel said {secret} while starting\n".encode()))
    err = capsys.readouterr().err
    assert secret not in err and "kernel said [secure] while starting" in err


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped has ended)."""
    from pathlib import Path

    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _below(pid: int) -> list[int]:
    """Every process under ``pid``, read from /proc (independently of the dashboard's own helper)."""
    from pathlib import Path

    parents = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [c for c, p in parents.items() if p == parent]
        found += children
        frontier += children
    return found


@requires("voila")
def test_sigterm_stops_voila_and_its_kernels_frees_the_port_and_removes_the_folder(tmp_path):
    import os
    import socket
    from pathlib import Path

    import pytest
    import requests

    port = free_port()
    proc = _start(tmp_path, "--sample", f"--port={port}")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        assert requests.get(url, timeout=300).status_code == 200  # the page ran, so a kernel runs
        below = _below(proc.pid)
        voila = next(pid for pid in below if "voila" in Path(f"/proc/{pid}/cmdline").read_text())
        folder = os.readlink(f"/proc/{voila}/cwd")
        assert len(below) >= 2 and os.path.isdir(folder)  # Voila, and the page's kernel under it
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "stopping the dashboard" in out
    assert not [pid for pid in below if _alive(pid)]
    assert not os.path.exists(folder)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10)
