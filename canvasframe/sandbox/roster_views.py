"""Sections, enrollments and submissions in Canvas's real shapes (``shared/canvas-api.md``
§"Enrollments and submissions"); scores only for a token with grade rights."""

from __future__ import annotations

from .model import Course
from .roster import Record, Section, SubmissionRow, grade_letter
from .views import iso

__all__ = ["enrollment_json", "section_json", "submission_json", "without_grades"]


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
