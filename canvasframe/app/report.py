"""``canvasframe report``: one self-contained, interactive HTML page about a course.

The page needs no Python and no network: plotly.js, the data and the page's own script are
inside the file. Hover any chart for its numbers, pick a student, narrow the dates, sort the
tables. Names are shown where people look (``names=False`` shows ids); times are local.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from .._atomic import atomic_write
from .._palette import NOTICE
from .._version import __version__
from ..client import Canvas
from ..errors import ConfigError
from . import report_charts
from .report_data import ReportFrames, assignment_rows, daily_student_views, glance, student_rows, student_work

_DATE = "%a %d %b %Y %H:%M"
# The picked student's card: key in the page's data, label under the number.
CARD_FIELDS = (
    ("score", "current score"),
    ("grade", "grade"),
    ("missing", "missing"),
    ("late", "late"),
    ("last_activity", "last activity"),
    ("activity_time", "time in the course"),
)


@dataclass(frozen=True)
class Column:
    """One column of a sortable table: its header, and the field it shows and sorts by.

    ``show`` formats the value people read; the page sorts by ``sort_by``'s value when one is
    given (a raw number or an ISO time behind a formatted one), else by the text shown.
    """

    header: str
    field: str
    show: Callable[[Any], str] = lambda value: "" if value is None or pd.isna(value) else str(value)
    sort_by: str | None = None
    numeric: bool = False


def _number(digits: int) -> Callable[[Any], str]:
    return lambda value: "" if pd.isna(value) else f"{value:.{digits}f}"


def _when(value: Any) -> str:
    return "" if pd.isna(value) else value.strftime(_DATE)


def _sort_key(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return str(value.total_seconds())
    return str(value)


def sortable_table(table_id: str, frame: pd.DataFrame, columns: Sequence[Column], row_key: str | None = None) -> str:
    """An HTML table the page's script sorts by any column; every cell escaped."""
    numeric = ' class="num"'
    head = "".join(f'<th scope="col"{numeric if c.numeric else ""}>{html.escape(c.header)}</th>' for c in columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column in columns:
            value = record[column.field]
            key = _sort_key(record[column.sort_by or column.field])
            kind = numeric if column.numeric else ""
            cells.append(f'<td{kind} data-sort="{html.escape(key)}">{html.escape(column.show(value))}</td>')
        marker = f' data-student="{int(record[row_key])}"' if row_key else ""
        rows.append(f"<tr{marker}>{''.join(cells)}</tr>")
    return (
        f'<table class="sortable" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


_COUNTS = ("on_time", "late", "missing", "excused", "page_views", "participations")


def _students_table(rows: pd.DataFrame, tz: str) -> str:
    columns = [
        Column("student", "student"),
        Column("id", "student_id", numeric=True),
        Column("score", "score_of_record", _number(1), numeric=True),
        Column("grade", "grade_of_record"),
        *(Column(name.replace("_", " "), name, _number(0), numeric=True) for name in _COUNTS),
        Column(f"last activity ({tz})", "last_activity", _when),
        Column("time in the course", "activity_time", sort_by="total_activity_time", numeric=True),
    ]
    return sortable_table("students", rows, columns, row_key="student_id")


def _assignments_table(frames: ReportFrames) -> str:
    rows = assignment_rows(frames)
    for share in ("on_time", "late", "missing"):
        rows[share] = rows[share] * 100
    columns = [
        Column("assignment", "title"),
        Column(f"due ({frames.tz})", "due", _when),
        Column("points", "points_possible", _number(0), numeric=True),
        Column("median score", "median", _number(1), numeric=True),
        *(
            Column(f"{name.replace('_', ' ')} %", name, _number(0), numeric=True)
            for name in ("on_time", "late", "missing")
        ),
    ]
    return sortable_table("assignment-table", rows, columns)


def _card(row: pd.Series) -> dict[str, str]:
    score = row["score_of_record"]
    return {
        "score": "" if pd.isna(score) else f"{score:.1f}",
        "grade": "" if pd.isna(row["grade_of_record"]) else str(row["grade_of_record"]),
        "missing": str(int(row["missing"])),
        "late": str(int(row["late"])),
        "last_activity": _when(row["last_activity"]) or "never",
        "activity_time": row["activity_time"] or "none",
    }


def page_data(frames: ReportFrames, students: pd.DataFrame) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready values (no token, no URL with a secret).

    ``students`` is :func:`student_rows` of the same frames (the page's table shows it too).
    """
    daily = daily_student_views(frames)
    first = int(students["student_id"].iloc[0]) if len(students) else None
    work = student_work(frames)
    days = daily.index.tolist()
    return {
        "tz": frames.tz,
        "range": [days[0], days[-1]] if days else ["", ""],
        "config": report_charts.CONFIG,
        "charts": {
            "chart-activity": report_charts.course_activity(frames),
            "chart-student": report_charts.student_activity(frames, daily, first),
            "chart-timeliness": report_charts.timeliness(frames),
            "chart-scores": report_charts.scores(frames),
        },
        "students": {
            str(int(row["student_id"])): {"label": row["student"], "card": _card(row)} for _, row in students.iterrows()
        },
        "views": {str(int(s)): daily[s].astype("int64").tolist() for s in daily.columns},
        "work": {
            str(int(student)): [
                {"title": item.title, "status": item.status, "due": _when(item.due)} for item in rows.itertuples()
            ]
            for student, rows in work.groupby("student_id")
        },
    }


def _asset(name: str) -> str:
    return resources.files("canvasframe").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '</' or '<!--' can end or open anything."""
    text = json.dumps(value, allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_report(frames: ReportFrames, *, host: str, synthetic: bool = False, names: bool = True) -> str:
    """The whole page as one string: styles, plotly.js, data and script inline."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise ConfigError(
            "canvasframe report needs plotly: pip install 'canvasframe[report]' (or 'plotly>=6')."
        ) from None
    students = student_rows(frames, names=names)
    data = page_data(frames, students)
    template = Environment(autoescape=True).from_string(_asset("report.html"))
    return template.render(
        name=frames.name,
        course_id=frames.course_id,
        host=host,
        tz=frames.tz,
        as_of=frames.as_of.tz_convert(frames.tz).strftime(_DATE),
        synthetic=synthetic,
        notice_colour=NOTICE,
        glance=glance(frames),
        range=data["range"],
        picker=[(int(row.student_id), row.student) for row in students.itertuples()],
        card_fields=CARD_FIELDS,
        assignments_table=Markup(_assignments_table(frames)),
        students_table=Markup(_students_table(students, frames.tz)),
        version=__version__,
        css=Markup(_asset("report.css")),
        plotly_js=Markup(get_plotlyjs()),
        data_json=Markup(_script_json(data)),
        script=Markup(_asset("report.js")),
    )


def write_report(
    canvas: Canvas,
    course_id: int,
    out: str | Path,
    *,
    tz: str | None = None,
    names: bool | None = None,
    as_of: Any = None,
) -> Path:
    """Load ``course_id`` and write its interactive report to ``out`` (a folder or an ``.html`` path).

    Returns the file written. Written whole or not at all (a temporary file renamed into place).
    ``names`` defaults to the session's own setting (``cf.connect(..., names=False)``).
    """
    frames = ReportFrames.load(canvas, course_id, tz=tz, as_of=as_of)
    path = Path(out)
    if path.suffix.lower() != ".html":
        path = path / f"course-{course_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_report(
        frames,
        host=canvas.host,
        synthetic=bool(getattr(canvas, "sample_course_id", None)),
        names=canvas.names if names is None else names,
    )
    return atomic_write(path, lambda handle: handle.write(page.encode("utf-8")))
