"""A course's sections, student enrollments and submissions -> frames.

Scores come only with grade rights: without them Canvas leaves the keys out of ``grades``
and the scores are NaN (the grades NA), never 0. ``total_activity_time`` (integer seconds)
and ``seconds_late`` become timedeltas.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._coerce import (
    as_bool,
    as_float,
    as_id,
    as_int,
    as_str,
    bad,
    build,
    column,
    constant,
    json_object,
    records,
    utc_timestamps,
)

__all__ = ["SUBMISSIONS_ORDER", "enrollments", "sections", "submissions"]

SUBMISSIONS_ORDER = ("course_id", "student_id", "assignment_id")  # the order of the rows, across pages too

_SCORES = ("current_score", "final_score", "override_score")
_GRADES = ("current_grade", "final_grade", "override_grade")


def _seconds(rows: list[dict], key: str, source: str) -> list[Any]:
    """Integer seconds -> timedeltas (NaT where Canvas sends null)."""
    values = column(rows, key, as_int, source, default=None)
    if any(v is not None and v < 0 for v in values):
        raise bad(source, f"'{key}' must not be negative")
    return [pd.NaT if v is None else pd.Timedelta(seconds=v) for v in values]


def sections(payload: Any, *, course_id: int, source: str = "sections") -> pd.DataFrame:
    """``GET /courses/:id/sections?include[]=total_students`` -> one row per course × section."""
    rows = records(payload, source)
    columns = {
        "course_id": constant(course_id, len(rows)),
        "section_id": [as_id(r.get("id"), "id", source) for r in rows],
        "name": column(rows, "name", as_str, source),
        "sis_section_id": column(rows, "sis_section_id", as_str, source),
        "start_at": utc_timestamps([r.get("start_at") for r in rows], "start_at", source),
        "end_at": utc_timestamps([r.get("end_at") for r in rows], "end_at", source),
        "total_students": column(rows, "total_students", as_int, source, default=None),
    }
    return build("sections", columns, ["course_id", "section_id"])


def enrollments(payload: Any, *, course_id: int, source: str = "enrollments") -> pd.DataFrame:
    """``GET /courses/:id/enrollments?type[]=StudentEnrollment`` -> one row per course × enrollment."""
    rows = records(payload, source)
    grades = [json_object(r.get("grades") or {}, source, "'grades' as an object") for r in rows]
    users = [json_object(r.get("user") or {}, source, "'user' as an object") for r in rows]
    columns = {
        "course_id": constant(course_id, len(rows)),
        "student_id": [as_id(r.get("user_id"), "user_id", source) for r in rows],
        "name": column(users, "name", as_str, source),
        "sortable_name": column(users, "sortable_name", as_str, source),
        "enrollment_id": [as_id(r.get("id"), "id", source) for r in rows],
        "section_id": column(rows, "course_section_id", as_int, source, default=None),
        "role": column(rows, "role", as_str, source),
        "enrollment_state": column(rows, "enrollment_state", as_str, source),
        "created_at": utc_timestamps([r.get("created_at") for r in rows], "created_at", source),
        "last_activity_at": utc_timestamps([r.get("last_activity_at") for r in rows], "last_activity_at", source),
        "total_activity_time": _seconds(rows, "total_activity_time", source),
        **{key: [as_float(g.get(key), f"grades.{key}", source) for g in grades] for key in _SCORES},
        **{key: [as_str(g.get(key), f"grades.{key}", source) for g in grades] for key in _GRADES},
    }
    return build("enrollments", columns, ["course_id", "student_id", "enrollment_id"])


def submissions(payload: Any, *, course_id: int, source: str = "submissions") -> pd.DataFrame:
    """One page of ``GET /courses/:id/students/submissions?student_ids[]=all`` -> student × assignment rows."""
    rows = records(payload, source)
    columns = {
        "course_id": constant(course_id, len(rows)),
        "student_id": [as_id(r.get("user_id"), "user_id", source) for r in rows],
        "assignment_id": [as_id(r.get("assignment_id"), "assignment_id", source) for r in rows],
        "submission_id": [as_id(r.get("id"), "id", source) for r in rows],
        **{
            key: utc_timestamps([r.get(key) for r in rows], key, source)
            for key in ("submitted_at", "graded_at", "posted_at")
        },
        "score": column(rows, "score", as_float, source),
        "grade": column(rows, "grade", as_str, source),
        "attempt": column(rows, "attempt", as_int, source, default=None),
        "workflow_state": column(rows, "workflow_state", as_str, source),
        # Absent is not false: a Canvas that sends no "missing" key has not said the work is not missing.
        "late": column(rows, "late", as_bool, source),
        "missing": column(rows, "missing", as_bool, source),
        "excused": column(rows, "excused", as_bool, source),
        "late_policy_status": column(rows, "late_policy_status", as_str, source),
        "seconds_late": _seconds(rows, "seconds_late", source),
        "points_deducted": column(rows, "points_deducted", as_float, source),
        "submission_type": column(rows, "submission_type", as_str, source),
    }
    return build("submissions", columns, SUBMISSIONS_ORDER)
