"""Canvas Analytics (department, course and per-student) -> frames.

Each transform accepts both the documented and the real response shapes
(``shared/canvas-api.md``), casts to the frame's schema in :mod:`canvasframe.schemas`,
and raises :class:`~canvasframe.errors.ResponseFormatError` (naming ``source``) when
the body is not a shape Canvas sends. Per-student transforms take
``[(student_id, payload), ...]`` so the work is vectorised across every student of a
course at once. Page views have their own module (:mod:`.page_views`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..errors import warn
from ..schemas import DEPARTMENT_STATS, QUARTILE_NAMES, TARDINESS
from ._coerce import (
    as_bool,
    as_float,
    as_id,
    as_ids,
    as_int,
    as_str,
    build,
    column,
    constant,
    json_object,
    records,
    utc_days,
    utc_timestamps,
)

__all__ = [
    "COMMUNICATION_ORDER",
    "PARTICIPATIONS_ORDER",
    "STUDENT_ASSIGNMENTS_ORDER",
    "communication",
    "course_activity",
    "course_assignments",
    "department_activity",
    "department_categories",
    "department_grades",
    "department_statistics",
    "participations",
    "student_assignments",
    "student_summaries",
    "subaccount_statistics",
]

StudentPayloads = Iterable[tuple[int, Any]]


# -- department ----------------------------------------------------------------------


def _by_key(section: Any, key: str, value_key: str, source: str) -> tuple[list[Any], list[Any]]:
    """Department sections come as ``[{key: k, value_key: v}]`` (real) or ``{k: v}`` (docs)."""
    if isinstance(section, dict):
        return list(section.keys()), list(section.values())
    rows = records(section, source, f"{key!r} rows as an array or an object")
    return [r.get(key) for r in rows], [r.get(value_key) for r in rows]


def _department_columns(account_id: int, term: str, n: int) -> dict[str, list[Any]]:
    return {"account_id": constant(account_id, n), "term": constant(str(term), n)}


def department_activity(
    payload: Any, *, account_id: int, term: str, source: str = "department activity"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/activity`` -> one row per account × date."""
    body = json_object(payload, source)
    section = body.get("by_date") or []
    if isinstance(section, dict):
        dates, views = list(section.keys()), list(section.values())
        parts = constant(0, len(dates))
    else:
        rows = records(section, source, "'by_date' as an array or an object")
        dates = [r.get("date") for r in rows]
        views = [r.get("views") for r in rows]
        parts = [as_int(r.get("participations"), "participations", source) for r in rows]
    columns = _department_columns(account_id, term, len(dates)) | {
        "date": utc_days(dates, "date", source),
        "views": [as_int(v, "views", source) for v in views],
        "participations": parts,
    }
    return build("department_activity", columns, ["account_id", "date"])


def department_categories(
    payload: Any, *, account_id: int, term: str, source: str = "department activity"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/activity`` ``by_category`` -> one row per account × category."""
    categories, views = _by_key(json_object(payload, source).get("by_category") or [], "category", "views", source)
    columns = _department_columns(account_id, term, len(categories)) | {
        "category": [as_str(c, "category", source) for c in categories],
        "views": [as_int(v, "views", source) for v in views],
    }
    return build("department_categories", columns, ["account_id", "category"])


def department_grades(payload: Any, *, account_id: int, term: str, source: str = "department grades") -> pd.DataFrame:
    """``accounts/:id/analytics/:term/grades`` -> one row per account × score 0-100."""
    body = json_object(payload, source)
    counts = {as_int(k, "score", source): as_int(v, f"grades[{k!r}]", source) for k, v in body.items()}
    scores = [s for s in range(101)]
    columns = _department_columns(account_id, term, 101) | {
        "score": scores,
        "students": [counts.get(s, 0) or 0 for s in scores],
    }
    return build("department_grades", columns)


def department_statistics(
    payload: Any, *, account_id: int, term: str, source: str = "department statistics"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/statistics`` -> one row per account."""
    body = json_object(payload, source)
    names = ("courses", "subaccounts", *DEPARTMENT_STATS[1:])
    columns = _department_columns(account_id, term, 1) | {n: [as_int(body.get(n), n, source)] for n in names}
    return build("department_statistics", columns)


def subaccount_statistics(
    payload: Any, *, account_id: int, term: str, source: str = "subaccount statistics"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/statistics_by_subaccount`` -> one row per (sub)account."""
    body = json_object(payload, source)
    rows = records(body.get("accounts", []), source, "'accounts' as an array of objects")
    columns = _department_columns(account_id, term, len(rows)) | {
        "subaccount_id": column(rows, "id", as_id, source),
        "name": column(rows, "name", as_str, source),
    }
    columns |= {n: column(rows, n, as_int, source) for n in DEPARTMENT_STATS}
    return build("subaccount_statistics", columns)


# -- course --------------------------------------------------------------------------


def course_activity(payload: Any, *, course_id: int, source: str = "course activity") -> pd.DataFrame:
    """``courses/:id/analytics/activity`` -> one row per course × UTC day, sorted by date."""
    rows = records(payload, source)
    columns = {
        "course_id": constant(course_id, len(rows)),
        "date": utc_days([r.get("date") for r in rows], "date", source),
        "views": column(rows, "views", as_int, source),
        "participations": column(rows, "participations", as_int, source),
    }
    return build("course_activity", columns, ["course_id", "date"])


def _assignment_columns(rows: list[dict], source: str) -> dict[str, Any]:
    scores = (*QUARTILE_NAMES, "points_possible")
    return {
        "assignment_id": column(rows, "assignment_id", as_id, source),
        "title": column(rows, "title", as_str, source),
        "due_at": utc_timestamps([r.get("due_at") for r in rows], "due_at", source),
        "unlock_at": utc_timestamps([r.get("unlock_at") for r in rows], "unlock_at", source),
        "muted": column(rows, "muted", as_bool, source),
        "non_digital_submission": column(rows, "non_digital_submission", as_bool, source),
        "multiple_due_dates": column(rows, "multiple_due_dates", as_bool, source),
        "module_ids": column(rows, "module_ids", as_ids, source),
    } | {k: column(rows, k, as_float, source) for k in scores}


def course_assignments(payload: Any, *, course_id: int, source: str = "course assignments") -> pd.DataFrame:
    """``courses/:id/analytics/assignments`` -> one row per course × assignment, by due date."""
    rows = records(payload, source)
    breakdowns = [
        json_object(r.get("tardiness_breakdown") or {}, source, "'tardiness_breakdown' as an object") for r in rows
    ]
    columns = {"course_id": constant(course_id, len(rows))} | _assignment_columns(rows, source)
    columns |= {k: column(breakdowns, k, as_float, source) for k in TARDINESS}
    columns["total"] = column(breakdowns, "total", as_int, source, default=None)
    return build("course_assignments", columns, ["course_id", "due_at", "assignment_id"])


def _first_of_each_student(rows: list[dict], source: str) -> list[dict]:
    """Rows with each student's first appearance only, and a warning when a student came twice.

    Canvas pages student summaries by offset: when enrollments change during the read, a
    student slides from one page onto the next and is listed twice. Counting both would
    double that student's page views in every fan-out built on this list.
    """
    ids = column(rows, "id", as_id, source)
    first = {student: i for i, student in reversed(list(enumerate(ids)))}
    if len(first) == len(rows):
        return rows
    repeated = sorted(s for s, n in Counter(ids).items() if n > 1)
    warn(
        f"{source}: student(s) {repeated[:5]} listed more than once across pages (Canvas's offset paging "
        "shifts when enrollments change during a read); each is kept once."
    )
    return [rows[i] for i in sorted(first.values())]


def student_summaries(payload: Any, *, course_id: int, source: str = "student summaries") -> pd.DataFrame:
    """``courses/:id/analytics/student_summaries`` -> one row per course × student (each student once)."""
    rows = _first_of_each_student(records(payload, source), source)
    breakdowns = [
        json_object(r.get("tardiness_breakdown") or {}, source, "'tardiness_breakdown' as an object") for r in rows
    ]
    max_views = [r.get("max_page_views", r.get("max_page_view")) for r in rows]  # the docs spell it max_page_view
    columns = {
        "course_id": constant(course_id, len(rows)),
        "student_id": column(rows, "id", as_id, source),
        "page_views": column(rows, "page_views", as_int, source),
        "max_page_views": [as_int(v, "max_page_views", source) for v in max_views],
        "page_views_level": column(rows, "page_views_level", as_int, source, default=None),
        "participations": column(rows, "participations", as_int, source),
        "max_participations": column(rows, "max_participations", as_int, source),
        "participations_level": column(rows, "participations_level", as_int, source, default=None),
        "total": column(breakdowns, "total", as_int, source),
    } | {k: column(breakdowns, k, as_int, source) for k in TARDINESS}
    return build("student_summaries", columns, ["course_id", "student_id"])


# -- per student -----------------------------------------------------------------------

# The order of each per-student frame's rows: also how the frames of a course's students,
# turned into rows a few hundred at a time, are put together.
PARTICIPATIONS_ORDER = ("course_id", "student_id", "created_at")
STUDENT_ASSIGNMENTS_ORDER = ("course_id", "student_id", "due_at", "assignment_id")
COMMUNICATION_ORDER = ("course_id", "student_id", "date")


def participations(payloads: StudentPayloads, *, course_id: int, source: str = "student activity") -> pd.DataFrame:
    """Per-student ``activity`` ``participations`` -> one row per course × student × event."""
    students, rows = [], []
    for student_id, payload in payloads:
        section = json_object(payload, source).get("participations") or []
        events = records(section, source, "'participations' as an array")
        students.extend([student_id] * len(events))
        rows.extend(events)
    columns = {
        "course_id": constant(course_id, len(rows)),
        "student_id": students,
        "created_at": utc_timestamps([r.get("created_at") for r in rows], "created_at", source),
        "url": column(rows, "url", as_str, source),
    }
    return build("participations", columns, PARTICIPATIONS_ORDER)


def student_assignments(
    payloads: StudentPayloads, *, course_id: int, source: str = "student assignments"
) -> pd.DataFrame:
    """Per-student ``assignments`` -> one row per course × student × assignment."""
    students, rows = [], []
    for student_id, payload in payloads:
        entries = records(payload, source)
        students.extend([student_id] * len(entries))
        rows.extend(entries)
    subs = [json_object(r.get("submission") or {}, source, "'submission' as an object") for r in rows]
    columns = {"course_id": constant(course_id, len(rows)), "student_id": students} | _assignment_columns(rows, source)
    columns |= {
        "submitted_at": utc_timestamps([s.get("submitted_at") for s in subs], "submitted_at", source),
        "posted_at": utc_timestamps([s.get("posted_at") for s in subs], "posted_at", source),
        "score": column(subs, "score", as_float, source),
        "status": column(rows, "status", as_str, source),
        "excused": column(rows, "excused", as_bool, source),
    }
    return build("student_assignments", columns, STUDENT_ASSIGNMENTS_ORDER)


def communication(payloads: StudentPayloads, *, course_id: int, source: str = "student communication") -> pd.DataFrame:
    """Per-student ``communication`` -> one row per course × student × UTC day."""
    students, days, inner = [], [], []
    for student_id, payload in payloads:
        body = json_object(payload, source)
        for day, counts in body.items():
            students.append(student_id)
            days.append(day)
            inner.append(json_object(counts or {}, source, f"messages of {day!r} as an object"))
    columns = {
        "course_id": constant(course_id, len(days)),
        "student_id": students,
        "date": utc_days(days, "date", source),
        "instructor_messages": column(inner, "instructorMessages", as_int, source),
        "student_messages": column(inner, "studentMessages", as_int, source),
    }
    return build("communication", columns, COMMUNICATION_ORDER)
