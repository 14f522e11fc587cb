"""docs/frames.md matches what the loaders return (their schemas)."""

import re
from pathlib import Path

from canvasframe.schemas import SCHEMAS, empty_frame

DOC = Path(__file__).resolve().parent.parent / "docs" / "frames.md"


def _documented() -> dict[str, list[tuple[str, str]]]:
    frames: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in DOC.read_text().splitlines():
        heading = re.match(r"## `(\w+)`", line)
        if heading:
            current = frames.setdefault(heading.group(1), [])
        row = re.match(r"\| `(\w+)` \| `([^`]+)` \|", line)
        if row and current is not None:
            current.append((row.group(1), row.group(2)))
    return frames


def test_every_frame_is_documented_with_its_columns_and_dtypes():
    documented = _documented()
    assert set(documented) == set(SCHEMAS)
    for name in SCHEMAS:
        dtypes = empty_frame(name).dtypes
        assert documented[name] == [(column, str(dtype)) for column, dtype in dtypes.items()], name


def test_every_loader_docstring_ends_with_its_columns():
    """``cf.load_x?`` lists the columns the loader returns, in order, with their dtypes and meanings."""
    import canvasframe as cf

    for frame, spec in cf.LOADERS.items():
        doc = spec.function.__doc__
        columns = doc[doc.index("\nColumns\n-------\n") :]
        listed = re.findall(r"^(\w+) : (.+)$", columns, flags=re.MULTILINE)
        dtypes = empty_frame(frame).dtypes
        assert listed == [(c, str(dtypes[c])) for c in SCHEMAS[frame].names], frame
        assert not re.search(r"\{[a-z_]+\}", doc), f"{frame}: an unfilled docstring placeholder"


def test_notebooks_use_only_public_api():
    """The notebooks are what people copy: they never import canvasframe's private modules."""
    import nbformat

    for path in sorted(DOC.parent.parent.joinpath("notebooks").glob("*.ipynb")):
        source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
        assert not re.search(r"canvasframe\._|cf\._", source), path.name


def test_every_test_security_md_names_exists():
    """SECURITY.md proves each promise with a test: a renamed or deleted test must not leave a dangling proof."""
    import ast

    root = DOC.parent.parent
    text = (root / "SECURITY.md").read_text()
    defined: dict[str, set[str]] = {}
    for path in (root / "tests").glob("test_*.py"):
        tree = ast.parse(path.read_text())
        defined[f"tests/{path.name}"] = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    named = 0
    for line in text.splitlines():
        current = None
        for match in re.finditer(r"`(tests/test_\w+\.py)?::(\w+)`|`(tests/test_\w+\.py)`", line):
            if match.group(3):
                assert match.group(3) in defined, match.group(3)
                current = match.group(3)
                continue
            current = match.group(1) or current
            assert current is not None, line
            assert match.group(2) in defined[current], f"{current}::{match.group(2)} is named in SECURITY.md"
            named += 1
    assert named > 40
