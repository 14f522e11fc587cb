"""Measure the mutation score of a few modules against the tests that matter to them, in a throwaway copy.

``[tool.mutmut]`` in pyproject.toml is the whole configuration (every configured module, the whole
suite). While working on one module, this runs mutmut on just that module with just the named
test files, in a copy of the work tree (uncommitted changes included), so the checkout is never
touched and two measurements can run side by side::

    .venv/bin/python tests/mutation.py canvasframe/share/disclosure.py --tests tests/test_share.py

It prints, per module, killed / mutants (timeouts count as killed, as mutmut counts them) and every
survivor as a diff. Mark an equivalent survivor ``# pragma: no mutate`` with the reason beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="+", help="files to mutate, e.g. canvasframe/clickstream.py")
    parser.add_argument("--tests", nargs="+", required=True, help="the test files to run against each mutant")
    parser.add_argument("--children", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the copy (to `mutmut show` a survivor again)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="canvasframe-mutation-"))
    try:
        _copy_of_work_tree(work)
        pyproject = work / "pyproject.toml"
        pyproject.write_text(_configured(pyproject.read_text(), args.modules, args.tests))
        mutmut = [str(work / ".venv" / "bin" / "mutmut")]
        env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run([*mutmut, "run", "--max-children", str(args.children)], cwd=work, env=env,
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
                print(f"== {name}", *diff, sep="\n")
        for module, total in sorted(totals.items()):
            print(f"{module}: {killed[module]} / {total} killed ({100 * killed[module] / total:.1f} %)")
        if args.keep:
            print(f"kept in {work}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
