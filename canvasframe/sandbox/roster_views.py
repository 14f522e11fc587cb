"""Sections, enrollments and submissions in Canvas's real shapes (``shared/canvas-api.md``
§"Enrollments and submissions"); scores only for a token with grade rights."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from .answers import HTTPAnswer, Query
from .model import Course
from .roster import Record, Section, SubmissionRow, grade_letter
from .views import iso

__all__ = ["changed_since", "enrollment_json", "section_json", "submission_json", "without_grades"]

# canvas-lms lib/api.rb Api::ISO8601_REGEX: a date and a time to the second, an optional fraction and
# an optional offset; without one, Time.zone.parse reads it in the user's time zone.
ISO8601 = re.compile(
    r"^-?\d{4}-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12]\d)T(2[0-3]|[01]\d):[0-5]\d:(60|[0-5]\d)(\.\d+)?"
    r"(Z|[+-](2[0-3]|[01]\d):[0-5]\d)?$"
)
SINCE = {"submitted_since": "submitted_at", "graded_since": "graded_at"}


def section_json(section: Section, course: Course, with_total: bool) -> dict:
    """One section as ``GET /courses/:id/sections`` lists it (``total_students`` only when asked)."""
    row: dict = {
        "id": section.id,
        "course_id": course.id,
        "name": section.name,
        "sis_section_id": None,
        "integration_id": None,
        "start_at": None,
        "end_at": None,
        "restrict_enrollments_to_section_dates": False,
        "nonxlist_course_id": None,
    }
    if with_total:
        row["total_students"] = len(section.student_ids)
    return row


def enrollment_json(record: Record, course: Course, site: str) -> dict:
    """One student enrollment as a token with grade rights sees it."""
    student = course.enrollments[record.user_id].student
    grades = {
        "html_url": f"{site}/courses/{course.id}/grades/{record.user_id}",
        "current_score": record.current_score,
        "final_score": record.final_score,
        "current_grade": grade_letter(record.current_score),
        "final_grade": grade_letter(record.final_score),
        "unposted_current_score": record.current_score,
        "unposted_final_score": record.final_score,
    }
    if record.override_score is not None:  # a real enrollment with a final grade override
        grades |= {"override_score": record.override_score, "override_grade": grade_letter(record.override_score)}
    return {
        "id": record.id,
        "user_id": record.user_id,
        "course_id": course.id,
        "course_section_id": record.section_id,
        "root_account_id": course.account_id,
        "type": "StudentEnrollment",
        "role": "StudentEnrollment",
        "role_id": 3,
        "enrollment_state": record.state,
        "created_at": iso(record.created_at),
        "updated_at": iso(record.created_at),
        "start_at": None,
        "end_at": None,
        "last_activity_at": iso(record.last_activity_at),
        "last_attended_at": None,
        "total_activity_time": record.total_activity_time,
        "limit_privileges_to_course_section": False,
        "html_url": f"{site}/courses/{course.id}/users/{record.user_id}",
        "grades": grades,
        # Canvas's enrollments API sends the user's display names by default (lib/api/v1/user.rb user_json).
        "user": {
            "id": record.user_id,
            "name": student.name,
            "sortable_name": student.sortable_name,
            "short_name": student.name,
        },
    }


def without_grades(rows: list[dict]) -> list[dict]:
    """Enrollments as a token without grade rights sees them: ``grades`` keeps only its link (staff have none)."""
    return [row | {"grades": {"html_url": row["grades"]["html_url"]}} if "grades" in row else row for row in rows]


def submission_json(row: SubmissionRow, site: str, course_id: int) -> dict:
    """One student × assignment as ``GET /courses/:id/students/submissions?student_ids[]=all`` lists it."""
    score = row.score
    return {
        "id": row.id,
        "assignment_id": row.assignment_id,
        "user_id": row.user_id,
        "submitted_at": iso(row.submitted_at),
        "graded_at": iso(row.graded_at),
        "posted_at": iso(row.posted_at),
        "score": score,
        "grade": None if score is None else f"{score:g}",
        "entered_score": score,
        "attempt": 1 if row.submitted_at is not None else None,
        "workflow_state": row.workflow_state,
        "grade_matches_current_submission": True,
        "late": row.late,
        "missing": row.missing,
        "excused": row.excused,
        "late_policy_status": row.late_policy_status,
        "seconds_late": row.seconds_late,
        "points_deducted": None,
        "submission_type": row.submission_type,
        "preview_url": f"{site}/courses/{course_id}/assignments/{row.assignment_id}/submissions/{row.user_id}",
    }


def changed_since(rows: Iterable[SubmissionRow], q: Query, user_offset: int) -> list[SubmissionRow]:
    """The rows ``submitted_since`` and ``graded_since`` keep, as canvas-lms's
    submissions_api_controller.rb#for_students filters them: a value that is not ISO 8601 is a 400
    naming the parameter; a value without an offset is read in the user's time zone
    (``user_offset``, minutes east of UTC); each is a strict ``>`` on its date, so a row without
    that date never matches; given both, a row must match both (two ``where`` clauses, ANDed)."""
    bounds = {}
    for name, column in SINCE.items():
        value = q.get(name)
        if not value:
            continue
        try:
            if not ISO8601.match(value):
                raise ValueError(value)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:  # not ISO 8601, or a moment that is not one (a leap second)
            raise HTTPAnswer(400, {"errors": {name: f"Invalid datetime for {name}"}}) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone(timedelta(minutes=user_offset)))
        bounds[column] = moment
    return [r for r in rows if all((at := getattr(r, c)) is not None and at > moment for c, moment in bounds.items())]
