"""Measure the mutation score of a few modules against the tests that matter to them, in a throwaway copy.

``[tool.mutmut]`` in pyproject.toml names every module measured; ``[[tool.canvasframe.mutation]]``
groups them with the test files that exercise each. This runs mutmut on some modules against
their group's test files (or the ones given with ``--tests``), or on every group in turn
(``--all``), in a copy of the work tree (uncommitted changes included), so the checkout is never
touched and two measurements can run side by side::

    .venv/bin/python tests/mutation.py canvasframe/share/disclosure.py
    .venv/bin/python tests/mutation.py canvasframe/cache.py --tests tests/test_cache.py --children 2
    .venv/bin/python tests/mutation.py --all --children 2

It prints every survivor as a diff, each group's time, and per module killed / mutants (timeouts
count as killed, as mutmut counts them). Mark an equivalent survivor ``# pragma: no mutate`` with
the reason beside it.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KILLED = {"killed", "timeout"}


def _copy_of_work_tree(target: Path) -> None:
    """Every tracked or new, not ignored, file: what the next commit would hold."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()  # fmt: skip
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")


def _configured(pyproject: str, modules: list[str], tests: list[str]) -> str:
    """pyproject.toml with mutmut told to mutate ``modules`` only and to run ``tests`` only."""
    listed = ", ".join(f'"{m}"' for m in modules)
    text = re.sub(r"only_mutate = \[.*?\]", f"only_mutate = [{listed}]", pyproject, count=1, flags=re.S)
    selection = ", ".join(f'"{t}"' for t in tests)
    return re.sub(r"pytest_add_cli_args_test_selection = \[.*?\]",
                  f"pytest_add_cli_args_test_selection = [{selection}]", text, count=1, flags=re.S)  # fmt: skip


def _module(mutant: str) -> str:
    """``canvasframe.share.disclosure.x_suppress__mutmut_3`` -> ``canvasframe.share.disclosure`` (a method's
    mutant names its class and method with ``ǁ``, never a dot)."""
    return mutant.split("__mutmut_")[0].rsplit(".", 1)[0]


def tool_settings() -> dict[str, Any]:
    """pyproject.toml's ``[tool]`` table: ``mutmut`` (every module measured) and ``canvasframe.mutation``."""
    if sys.version_info < (3, 11):
        raise SystemExit("tests/mutation.py reads pyproject.toml with tomllib: run it with Python 3.11 or later.")
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]


def _groups() -> list[dict[str, list[str]]]:
    """``[[tool.canvasframe.mutation]]`` in pyproject.toml: modules and the test files that exercise them."""
    return tool_settings()["canvasframe"]["mutation"]


def tests_for(modules: list[str], groups: list[dict[str, list[str]]]) -> list[str]:
    """The test files of every group holding one of ``modules`` (a file, or a group's own pattern)."""
    chosen = [g for g in groups if any(m == p or fnmatch.fnmatch(m, p) for m in modules for p in g["modules"])]
    return list(dict.fromkeys(t for g in chosen for t in g["tests"]))


def _measure(modules: list[str], tests: list[str], children: int, keep: bool) -> dict[str, tuple[int, int]]:
    """Run mutmut on ``modules`` against ``tests`` in a copy; print each survivor; killed and total per module."""
    work = Path(tempfile.mkdtemp(prefix="canvasframe-mutation-"))
    try:
        _copy_of_work_tree(work)
        pyproject = work / "pyproject.toml"
        pyproject.write_text(_configured(pyproject.read_text(), modules, tests))
        mutmut = [str(work / ".venv" / "bin" / "mutmut")]
        env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run([*mutmut, "run", "--max-children", str(children)], cwd=work, env=env,
                       stdout=subprocess.DEVNULL, check=True)  # fmt: skip
        listing = subprocess.run([*mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True,
                                 check=True).stdout  # fmt: skip
        outcomes = [line.strip().split(": ", 1) for line in listing.splitlines() if ": " in line]
        totals: Counter[str] = Counter()
        killed: Counter[str] = Counter()
        for name, outcome in outcomes:
            totals[_module(name)] += 1
            killed[_module(name)] += outcome in KILLED
        for name, outcome in outcomes:
            if outcome == "survived":
                shown = subprocess.run([*mutmut, "show", name], cwd=work, capture_output=True, text=True).stdout
                diff = [line for line in shown.splitlines() if line[:1] in "-+" and line[:3] not in ("---", "+++")]
                print(f"== {name}", *diff, sep="\n", flush=True)
        if keep:
            print(f"kept in {work}")
        return {module: (killed[module], total) for module, total in sorted(totals.items())}
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="files to mutate, e.g. canvasframe/clickstream.py")
    parser.add_argument("--all", action="store_true", help="every group of pyproject.toml, one after another")
    parser.add_argument("--tests", nargs="+", help="the test files (default: those of the modules' groups)")
    parser.add_argument("--children", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the copy (to `mutmut show` a survivor again)")
    args = parser.parse_args(argv)
    groups = _groups()
    if args.all == bool(args.modules):
        parser.error("name the modules to mutate, or --all")
    runs = groups if args.all else [{"modules": args.modules, "tests": args.tests or tests_for(args.modules, groups)}]
    if not all(run["tests"] for run in runs):
        parser.error(f"no group of pyproject.toml holds {args.modules}: name the test files with --tests")
    scores: dict[str, tuple[int, int]] = {}
    for run in runs:
        started = time.monotonic()
        measured = _measure(run["modules"], run["tests"], args.children, args.keep)
        minutes = (time.monotonic() - started) / 60
        print(f"-- {', '.join(run['modules'])}: {minutes:.0f} min", flush=True)
        scores.update(measured)
    for module, (killed, total) in scores.items():
        print(f"{module}: {killed} / {total} killed ({100 * killed / total:.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
