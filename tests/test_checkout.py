"""The checkout's own tooling works as the README says, from wherever it is run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pytest_runs_from_any_working_directory(tmp_path):
    """Paths in the pytest configuration (nbval's sanitize file) do not depend on the working directory."""
    paths = [str(ROOT / "notebooks" / "08-lti-tools.ipynb"), str(ROOT / "tests" / "test_docs.py")]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"CANVASFRAME_PROGRESS": "0"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
