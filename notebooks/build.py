"""Execute the example notebooks in place, saving their outputs for nbval to compare against.

The ``.ipynb`` files are the source: edit them in Jupyter, then run ``python notebooks/build.py``
(every notebook) or ``python notebooks/build.py 05 08`` (those whose names start so) to refresh
their saved outputs, in the same environment nbval runs them in (``conftest.py`` beside this file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from conftest import apply_environment  # noqa: E402


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    apply_environment()
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    nbformat.write(notebook, path)


def main(prefixes: list[str]) -> None:
    for path in sorted(HERE.glob("*.ipynb")):
        if not prefixes or any(path.name.startswith(p) for p in prefixes):
            execute(path)
            print("executed", path.name)


if __name__ == "__main__":
    main(sys.argv[1:])
