"""Regenerate docs/frames.md from the schemas and one example row per frame of the sample institution.

Run: python docs/generate_frames_doc.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import canvasframe as cf
from canvasframe.endpoints import FRAMES
from canvasframe.schemas import SCHEMAS, empty_frame

# Frames not made by one row of the endpoint table: where they come from, said once here.
ORIGINS = {
    "page_view_log": "Canvas `GET /api/v1/users/:user_id/page_views` (the last 30 days) and the PageView "
    "History API `POST /api/v1/users/:user_id/page_views/query` (whole months, up to 12 back)",
}
STATEMENTS = Path(__file__).resolve().parent.parent / "data" / "xapi" / "statements.json"
INTRO = """# Frames

Every loader returns a pandas DataFrame with exactly these columns and dtypes
(`canvasframe/schemas.py` is the source; this page is generated from it by
`python docs/generate_frames_doc.py`, and `tests/test_docs.py` checks it).

Conventions: ids are `int64`; timestamps are UTC `datetime64[us, UTC]`; day
buckets (`date`) are naive `datetime64[us]` at midnight UTC; counts are `int64`
(a count Canvas sends as null or omits is 0); scores and fractions are
`float64` (missing is NaN); `Int64` and `boolean` are pandas' nullable dtypes,
used where Canvas may send null. A column is always present, even when Canvas
omits its key. `df.attrs["canvasframe"]` holds `sources`, `fetched_at` and
`from_cache`.

Choices where Canvas is ambiguous:

- Per-student page views keyed by day (self-hosted Canvas) get `hour` = midnight UTC of that day.
- Hour keys in different offsets that name the same UTC hour are summed into one row.
- The documented department `by_date` object carries only views: `participations` is 0 there.
- A key Canvas leaves out of its answer is `<NA>` in its column, never a guess: a teacher's
  `course_assignments` has no `module_ids` or `multiple_due_dates`; the documented per-student
  shape has no `excused`. `module_ids` is a list of ids (Arrow `list<int64>`).
- Excused work has `excused` true and no submission dates or score; Canvas never counts it as
  missing (its tardiness counts call it floating, with work not yet due or without a due date).
- `term` is the selector you passed (`"current"`, `"completed"` or the term id as text).
- xAPI durations: year and month parts are resolved from the statement's timestamp
  (calendar-exact); without one, a year is 365.2425 days and a month a twelfth of it.
  An invalid duration or timestamp becomes NaT with one warning (`strict=True` raises).
"""


def main() -> None:
    canvas = cf.sample(quiet=True, cache_dir=Path("/tmp/canvasframe-docs-cache"))
    lines = [INTRO]
    for name, schema in SCHEMAS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name == "xapi_statements":
                frame = cf.xapi.read_statements(STATEMENTS)
                origin = "`cf.xapi.read_statements(source)` — a statements file, a list or an LRS"
            else:
                spec = cf.LOADERS[name]
                frame = spec(canvas.sample_ids[spec.ids], canvas=canvas, progress=False)
                where = ORIGINS.get(name) or f"Canvas `GET {FRAMES[name].display_path}`"
                origin = f"`cf.{spec.function.__name__}(...)` — {where}"
        example = frame.iloc[0] if len(frame) else None
        dtypes = empty_frame(name).dtypes
        lines += [
            f"## `{name}`",
            "",
            origin,
            "",
            "| column | dtype | meaning | example |",
            "|---|---|---|---|",
        ]
        for field in schema:
            doc = (field.metadata or {}).get(b"doc", b"").decode()
            value = "" if example is None else str(example[field.name])
            lines.append(f"| `{field.name}` | `{dtypes[field.name]}` | {doc} | {value} |")
        lines.append("")
    Path(__file__).with_name("frames.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
