"""``canvasframe dashboard``: the course and department explorers as a web page, served by Voila.

The page is a small notebook shipped with canvasframe (``data/dashboard.ipynb``) whose one
cell calls :func:`explorers`. The command passes the course and account ids to Voila's kernel
in environment variables, with the Canvas URL and token the user set: the token is never in
the page, its URL or the command's output (Voila's log is passed through the redactor).
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from collections.abc import Iterator
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import IO

import ipywidgets as ipw

from .._http import is_loopback
from .._pipeline import CHANGED, Refresh
from .._sample import connect_or_sample
from .._settings import environment
from ..errors import ConfigError, redact, remember_secret
from ..localtime import course_facts, display_zone
from ..widgets import CourseExplorer, DepartmentExplorer

__all__ = ["explorers", "run_dashboard"]

NOTEBOOK = "dashboard.ipynb"
PAGE = "canvasframe-dashboard.ipynb"  # Voila titles the page after the file
_PASSED = ("CANVAS_COURSE_ID", "CANVAS_ACCOUNT_ID")


def explorers() -> ipw.Widget:
    """The dashboard's page: a time-zone control and *Refresh what changed* above the course
    explorer, and the department explorer when an account is known.

    Uses your Canvas when ``CANVAS_BASE_URL``, ``CANVAS_API_TOKEN`` and ``CANVAS_COURSE_ID`` are
    set, else the sample institution (as the example notebooks do). Times start in the course's
    own zone; choosing another zone redraws the course explorer in it (from the cache: nothing
    is fetched again). *Refresh what changed* builds the course explorer again, each frame's first
    load asking Canvas what changed (``refresh="changed"``, see the refresh guide).

    Examples
    --------
    >>> page = explorers()
    Using the bundled sample institution (synthetic data): course 1078, account 1001.
    >>> [page.tabs.get_title(i) for i in range(len(page.tabs.children))]  # the course's name, as Canvas gives it
    ['BIOL 101: Foundations', 'Account 1001']
    >>> page.time_zone.value, page.tabs.children[0].tz
    ('America/Regina', 'America/Regina')
    >>> page.time_zone.value = "Asia/Tokyo"  # as if chosen in the page
    >>> page.tabs.children[0].tz
    'Asia/Tokyo'
    """
    canvas, course_id, account_id = connect_or_sample()
    name = course_facts(canvas, course_id).get("name")
    title = name if isinstance(name, str) and name else f"Course {course_id}"
    zones = sorted(zoneinfo.available_timezones())
    time_zone = ipw.Combobox(
        value=display_zone(canvas=canvas, course_id=course_id),
        options=zones,
        ensure_option=True,
        description="Time zone",
        placeholder="an IANA zone, e.g. Europe/Berlin",
    )
    time_zone.add_class("cf-time-zone")
    tabs = ipw.Tab()
    others = [(f"Account {account_id}", DepartmentExplorer(account_id, canvas))] if account_id is not None else []
    refresh = ipw.Button(description="Refresh what changed", icon="refresh",
                         tooltip="Ask Canvas what changed since the cache was filled, and load only that")  # fmt: skip
    refresh.add_class("cf-refresh-changed")
    refreshed = ipw.HTML()
    refreshed.add_class("cf-refreshed")

    def show(tz: str, how: Refresh = False) -> None:
        parts = [(title, CourseExplorer(course_id, canvas, tz=tz, refresh=how)), *others]
        tabs.children = [widget for _, widget in parts]
        for i, (label, _) in enumerate(parts):
            tabs.set_title(i, label)

    def refresh_changed(_: object) -> None:
        # A new explorer whose first load of each frame asks Canvas's change signals (the course's
        # frames now, a student's when picked, a tab's when opened); the time-zone control keeps it.
        refresh.disabled = True
        try:
            show(time_zone.value, CHANGED)
        finally:
            refresh.disabled = False
        when = datetime.now(zoneinfo.ZoneInfo(time_zone.value)).strftime("%H:%M")
        refreshed.value = html.escape(f"Refreshed at {when}: each frame asks Canvas what changed when first shown.")

    time_zone.observe(lambda change: show(change["new"]) if change["new"] in zones else None, names="value")
    refresh.on_click(refresh_changed)
    show(time_zone.value)
    # A tab shows the whole course name (ipywidgets cuts titles at about 20 characters).
    style = ipw.HTML(
        "<style>.cf-dashboard .lm-TabBar-tab {max-width: none !important; flex: 0 0 auto !important;}</style>"
    )
    page = ipw.VBox([style, ipw.HBox([time_zone, refresh, refreshed]), tabs])
    page.add_class("cf-dashboard")
    page.tabs, page.time_zone, page.refresh = tabs, time_zone, refresh
    return page


def run_dashboard(course_id: int | None, account_id: int | None, *, sample: bool, host: str, port: int) -> int:
    """Serve the explorers with Voila on ``host:port`` until Ctrl-C, SIGTERM or SIGHUP; return an exit code.

    However it is stopped, Voila and every kernel it started are ended (their environment holds
    your token) and the private folder is removed.
    """
    if importlib.util.find_spec("voila") is None:
        print('The dashboard needs Voila: pip install "canvasframe[dashboard]", then run it again.', file=sys.stderr)
        return 1
    env = _kernel_environment(course_id, account_id, sample=sample)
    port = port or _free_port(host)
    with tempfile.TemporaryDirectory(prefix="canvasframe-dashboard-") as folder, _stopped_by_signals():
        page = Path(folder) / PAGE
        shutil.copyfile(str(files("canvasframe") / "data" / NOTEBOOK), page)
        secret = _lock_down(Path(folder), host)
        command = [sys.executable, "-m", "voila", str(page), "--no-browser", f"--port={port}", f"--Voila.ip={host}"]
        voila = subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert voila.stdout is not None
        threading.Thread(target=_pass_through, args=(voila.stdout,), daemon=True).start()
        try:
            if not _wait_for(host, port, voila):
                print("canvasframe: the dashboard did not start; Voila's output is above.", file=sys.stderr)
                return 1
            shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
            print(f"canvasframe dashboard at http://{shown}:{port}/?token={secret}  (Ctrl-C stops it)", flush=True)
            voila.wait()
        except KeyboardInterrupt:
            print("stopping the dashboard", flush=True)
        finally:
            _stop(voila)
    return 0


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the dashboard as Ctrl-C does (the default would end this process and
    leave Voila and its kernels serving, token and all). Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, interrupt) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _stop(voila: subprocess.Popen) -> None:
    """End Voila and the kernels it started (each in a session of its own, so not in Voila's group)."""
    kernels = _descendants(voila.pid)
    if voila.poll() is None:
        voila.terminate()
        try:
            voila.wait(20)
        except subprocess.TimeoutExpired:
            voila.kill()
            voila.wait()
    for pid in kernels:  # Voila shuts its kernels down; one that outlived it is ended here
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux's /proc; elsewhere none are known and Voila's own shutdown counts)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, p in parents.items() if p == parent]
        found += children
        frontier += children
    return found


def _lock_down(folder: Path, host: str) -> str:
    """Voila's settings for this run, in its private working folder (read from there before any other).

    A random token is asked of every visitor (the URL printed carries it), so nobody else who can
    reach the port (a shared JupyterHub node) opens the page. Bound to this machine, the page also
    answers only requests for a local host name: a web page you visit cannot reach it by DNS
    rebinding (a Host of ``attacker.example``), nor drive its kernel's websocket from that origin.
    Voila turns that check off by default; bound to another address, you asked for remote access.
    """
    secret = secrets.token_urlsafe(24)
    local = is_loopback(host) or host in ("", "localhost")
    settings = {"Voila": {"token": secret, "tornado_settings": {"allow_remote_access": not local}}}
    config = folder / "voila.json"
    config.write_text(json.dumps(settings))
    config.chmod(0o600)
    return secret


def _kernel_environment(course_id: int | None, account_id: int | None, *, sample: bool) -> dict[str, str]:
    """The environment Voila's kernel gets: the ids, and your Canvas's URL and token unless ``sample``."""
    env = {k: v for k, v in os.environ.items() if k not in _PASSED}
    if sample:
        for name in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN"):
            env.pop(name, None)
        return env
    settings = environment("base_url", "token")
    missing = [n for n, v in (("CANVAS_BASE_URL", settings.base_url), ("CANVAS_API_TOKEN", settings.token)) if not v]
    if missing or course_id is None:
        need = missing + ([] if course_id is not None else ["a course id (canvasframe dashboard COURSE_ID)"])
        raise ConfigError(f"The dashboard needs {', '.join(need)}; or run  canvasframe dashboard --sample.")
    remember_secret(settings.token)  # masked in anything passed through from Voila
    env["CANVAS_COURSE_ID"] = str(course_id)
    if account_id is not None:
        env["CANVAS_ACCOUNT_ID"] = str(account_id)
    return env


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _wait_for(host: str, port: int, process: subprocess.Popen, seconds: float = 120) -> bool:
    """Whether the server accepts connections before ``seconds`` pass (False if it exits first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _pass_through(stream: IO[bytes]) -> None:
    """Voila's log on our stderr, with any credential masked."""
    for line in iter(stream.readline, b""):
        sys.stderr.write(redact(line.decode("utf-8", "replace")))
        sys.stderr.flush()
