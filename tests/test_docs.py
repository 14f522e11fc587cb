"""docs/frames.md matches what the loaders return (their schemas)."""

import re
from pathlib import Path

from canvasframe.schemas import SCHEMAS, empty_frame

DOC = Path(__file__).resolve().parent.parent / "docs" / "frames.md"


def _documented() -> dict[str, list[tuple[str, str]]]:
    frames, current = {}, None
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
