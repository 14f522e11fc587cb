"""pytest setup for the whole checkout: the tests, the notebooks (nbval) and the docstring examples.

Paths are resolved from this file, not the working directory, so ``pytest`` works from anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    # nbval masks what varies between runs (ports, fetch times) with the patterns in this file.
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(ROOT / "notebooks" / "sanitize.cfg")


@pytest.fixture(autouse=True)
def _docstring_examples(request: pytest.FixtureRequest, doctest_namespace: dict, monkeypatch, tmp_path) -> None:
    """Docstring examples run as a reader would paste them: from the checkout, against ``cf.sample()``,
    with a private cache and no progress bars."""
    if not isinstance(request.node, pytest.DoctestItem):
        return
    import canvasframe as cf
    from canvasframe.client import set_default_canvas

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CANVASFRAME_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CANVASFRAME_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CANVASFRAME_PROGRESS", "0")
    for name in ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVASFRAME_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    set_default_canvas(None)
    doctest_namespace["cf"] = cf
    request.addfinalizer(_tidy_up)


def _tidy_up() -> None:
    import matplotlib.pyplot as plt

    from canvasframe.client import set_default_canvas

    plt.close("all")  # plots draw on the current Axes: each example starts with none
    set_default_canvas(None)
