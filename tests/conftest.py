"""Shared fixtures: real sandbox servers on 127.0.0.1 and sessions talking to them."""

from __future__ import annotations

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

from canvasframe.client import Canvas, set_default_canvas
from canvasframe.sandbox import (
    SAMPLE_COST_SCALE,
    Config,
    FaultPlan,
    Institution,
    SandboxServer,
    SandboxSettings,
    ThrottleConfig,
)

matplotlib.use("Agg")

# The suite must give the same answer on every run, so property tests draw a fixed sequence
# of examples by default. `--hypothesis-profile explore` searches fresh random examples,
# many more of them, to hunt for new failures locally; pin each one found as a plain test.
_PROPERTY: dict = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=200, derandomize=True, database=None, **_PROPERTY)
settings.register_profile("explore", max_examples=5000, **_PROPERTY)
# Mutation testing runs the covering tests once per mutant: a few examples each find what a mutant breaks.
settings.register_profile("mutation", max_examples=15, derandomize=True, database=None, **_PROPERTY)
settings.load_profile("ci")

TEST_CONFIG = Config(seed=11, subaccounts=2, courses_per_subaccount=2, students_per_course=24, weeks=8)
TOKEN = "test-token-ab12cd34ef56gh78ij90kl"  # long and distinctive, so a leak is easy to grep for


@pytest.fixture(scope="session")
def institution() -> Institution:
    return Institution(TEST_CONFIG)


@pytest.fixture(scope="session")
def sandbox(institution: Institution):
    """One server for the read-only tests (throttle on, no faults)."""
    tokens = {TOKEN: "admin", "no-analytics-token": "no-analytics"}
    settings = SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE, page_view_duplicates=False)
    with SandboxServer(institution, tokens=tokens, settings=settings) as server:
        yield server


@pytest.fixture
def make_server(institution: Institution):
    """Start a private server with its own faults, throttle or settings; stopped after the test."""
    servers = []

    def make(
        *,
        faults: FaultPlan | None = None,
        throttle: ThrottleConfig | None = None,
        settings: SandboxSettings | None = None,
        inst: Institution | None = None,
    ) -> SandboxServer:
        server = SandboxServer(
            inst or institution,
            tokens={TOKEN: "admin", "no-analytics-token": "no-analytics"},
            faults=faults,
            throttle=throttle,
            # Unless a test says otherwise, the page-view service is the sample's: cheap, no duplicates.
            settings=settings or SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE, page_view_duplicates=False),
        ).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def connect(tmp_path):
    """Open a fast-retrying session against a server, with a private cache."""

    def open_session(server: SandboxServer, **options) -> Canvas:
        options = {
            "token": TOKEN,
            "cache_dir": tmp_path / "cache",
            "backoff": 0.01,
            "max_backoff": 0.05,
            "timeout": (2, 2),
        } | options
        return Canvas(server.url, **options)

    return open_session


@pytest.fixture
def canvas(sandbox, connect) -> Canvas:
    return connect(sandbox)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    """No test reads the user's environment, cache or default session."""
    for var in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVASFRAME_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CANVASFRAME_CACHE_DIR", str(tmp_path / "default-cache"))
    monkeypatch.setenv("CANVASFRAME_DATA_DIR", str(tmp_path / "data"))  # the journal of messages sent
    monkeypatch.setenv("CANVASFRAME_PROGRESS", "0")
    set_default_canvas(None)
    yield
    set_default_canvas(None)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def pytest_terminal_summary(terminalreporter):
    """Print the fault matrix (tests/test_faults.py) as a table when it ran."""
    from .test_faults import MATRIX

    if not MATRIX:
        return
    faults = list(dict.fromkeys(f for f, _ in MATRIX))
    kinds = list(dict.fromkeys(k for _, k in MATRIX))
    width = max(len(f) for f in faults) + 2
    terminalreporter.section("fault matrix: fault x loader kind -> outcome")
    terminalreporter.write_line("".ljust(width) + "".join(k.ljust(20) for k in kinds))
    for fault in faults:
        cells = "".join(MATRIX.get((fault, k), "-").ljust(20) for k in kinds)
        terminalreporter.write_line(fault.ljust(width) + cells)


@pytest.fixture
def transport_sleeps(monkeypatch):
    """The sleeps canvasframe's transport asks for, recorded (the sandbox's own are not), each cut to 50 ms.

    The transport's view of time is replaced, not the time module: the sandbox in the same process
    keeps its real clock. A test reads the list to judge what the transport chose to wait.
    """
    import time

    from canvasframe import _http

    asked: list[float] = []

    class TransportClock:
        def __getattr__(self, name: str) -> object:
            return getattr(time, name)

        def sleep(self, seconds: float) -> None:
            asked.append(seconds)
            time.sleep(min(seconds, 0.05))

    monkeypatch.setattr(_http, "time", TransportClock())
    return asked
