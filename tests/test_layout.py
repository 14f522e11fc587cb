"""The code's layout as docs/layout.md draws it: no import circles, programs apart from the library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "canvasframe"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """Module -> module it imports, for every import in canvasframe (under TYPE_CHECKING and in functions too)."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
                target = ".".join([*base, node.module] if node.module else base)
                candidates = [f"{target}.{alias.name}" for alias in node.names] + [target]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            imported = next((c for c in candidates if c in modules and c != name), None)
            if imported is not None:
                graph.add_edge(name, imported)
    return graph


def test_no_module_imports_itself_back():
    """A circle hidden behind TYPE_CHECKING is still a circle: the sandbox's model, generators and server too."""
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], cycles


def test_the_library_never_imports_the_programs():
    graph = import_graph()
    library = [m for m in graph if not m.startswith("canvasframe.app") and m != "canvasframe.__main__"]
    into_app = [(m, t) for m in library for t in graph.successors(m) if t.startswith("canvasframe.app")]
    assert into_app == []


def test_importing_the_library_and_its_explorers_loads_no_program():
    code = (
        "import sys, canvasframe as cf, canvasframe.widgets, canvasframe.sandbox\n"
        "print(sorted(m for m in sys.modules if m.startswith('canvasframe.app')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_canvasframe_is_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "canvasframe", "--help"], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.startswith("usage: canvasframe ") and "fetch" in out.stdout and "demo" in out.stdout


def test_every_module_measured_for_mutations_has_the_tests_that_exercise_it():
    """``tests/mutation.py --all`` runs the groups of ``[[tool.canvasframe.mutation]]``: a module named in
    ``[tool.mutmut]`` but in no group would never be measured, and a group's test file must exist."""
    import fnmatch

    pytest.importorskip("tomllib")
    from .mutation import tests_for, tool_settings

    root = PACKAGE.parent
    tool = tool_settings()
    groups = tool["canvasframe"]["mutation"]
    for pattern in tool["mutmut"]["only_mutate"]:
        for module in sorted(str(p.relative_to(root)) for p in root.glob(pattern) if p.suffix == ".py"):
            assert tests_for([module], groups), f"{module} is in [tool.mutmut] but in no mutation group"
    for group in groups:
        assert all((root / test).is_file() for test in group["tests"]), group
        assert all(any(fnmatch.fnmatch(m, p) for p in tool["mutmut"]["only_mutate"]) for m in group["modules"])
