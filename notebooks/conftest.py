"""The environment the notebooks run in, under nbval and when ``build.py`` saves their outputs.

Set before any kernel starts, and inherited by each. Progress bars are turned off so saved
outputs stay stable (users running the notebooks see them), the cache lives in a fresh folder
so no run depends on an earlier one, and a user's own Canvas settings are removed because the
committed outputs are the sample institution's.
"""

import os
import tempfile

ENVIRONMENT = {
    "CANVASFRAME_PROGRESS": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
REMOVED = ("CANVAS_BASE_URL", "CANVAS_API_TOKEN", "CANVAS_COURSE_ID", "CANVAS_ACCOUNT_ID", "CANVASFRAME_OFFLINE")


def apply_environment() -> None:
    os.environ.update(ENVIRONMENT)
    os.environ["CANVASFRAME_CACHE_DIR"] = tempfile.mkdtemp(prefix="canvasframe-nbval-cache-")
    for name in REMOVED:
        os.environ.pop(name, None)


apply_environment()


_started: set[str] = set()


def pytest_runtest_setup(item) -> None:
    """Each notebook's kernel starts with a cache of its own, as build.py runs it: what a notebook shows
    of the cache never depends on the tests or notebooks that ran before it in the same session."""
    notebook = str(item.fspath)
    if notebook.endswith(".ipynb") and notebook not in _started:
        _started.add(notebook)
        apply_environment()
