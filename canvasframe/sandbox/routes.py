"""The sandbox's route table: which view answers which path.

A view takes the server, the query (last value of each parameter) and the path's
captured groups (digit groups as ints), and returns the JSON body, a :class:`Paged`
list for the handler to paginate, or raises :class:`HTTPAnswer` for an error answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import views
from .institution import Course, Enrollment

if TYPE_CHECKING:
    from .server import SandboxServer

__all__ = ["NOT_FOUND", "ROUTES", "HTTPAnswer", "Paged", "route"]

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
Query = dict[str, str]


class HTTPAnswer(Exception):
    """Raised inside a view to answer with a status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Paged:
    """A list answer the handler serves page by page with Link headers."""

    rows: list


def server_error(seed: int) -> dict:
    """Canvas's 500 body, with an error report id."""
    return {
        "errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
        "error_report_id": 900000 + seed % 100000,
    }


# -- lookups that answer 404 as Canvas does -------------------------------------------------------


def course_or_404(s: SandboxServer, course_id: int, *, need_students: bool = True) -> Course:
    """The course; Analytics answers 404 for a course without active students too."""
    course = s.institution.courses.get(course_id)
    if course is None or (need_students and not course.enrollments):
        raise HTTPAnswer(404, NOT_FOUND)
    return course


def enrollment_or_404(s: SandboxServer, course_id: int, student_id: int) -> Enrollment:
    enrollment = course_or_404(s, course_id).enrollments.get(student_id)
    if enrollment is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return enrollment


def department_courses_or_404(s: SandboxServer, account_id: int, term: str) -> list[Course]:
    inst = s.institution
    if account_id not in inst.accounts:
        raise HTTPAnswer(404, NOT_FOUND)
    if term.startswith("terms/"):
        term = term.removeprefix("terms/")
        if int(term) not in inst.terms:
            raise HTTPAnswer(404, NOT_FOUND)
    return inst.department_courses(account_id, term)


# -- views ----------------------------------------------------------------------------------------


def department_activity(s: SandboxServer, q: Query, account_id: int, term: str) -> Any:
    return views.department_activity(department_courses_or_404(s, account_id, term), s.settings.shape)


def department_grades(s: SandboxServer, q: Query, account_id: int, term: str) -> Any:
    return views.department_grades(department_courses_or_404(s, account_id, term))


def department_statistics(s: SandboxServer, q: Query, account_id: int, term: str) -> Any:
    return views.statistics(s.institution, account_id, department_courses_or_404(s, account_id, term))


def statistics_by_subaccount(s: SandboxServer, q: Query, account_id: int, term: str) -> Any:
    department_courses_or_404(s, account_id, term)  # 404 for an unknown account or term
    return views.statistics_by_subaccount(s.institution, account_id, term.removeprefix("terms/"))


def lti_account(s: SandboxServer, q: Query, account_id: int, what: str) -> Any:
    answer = s.lti.view(account_id, what)
    if answer is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return Paged(answer) if isinstance(answer, list) else answer


# The sandbox's courses keep one UTC offset all year; these IANA zones do the same.
_ZONES = {-420: "Etc/GMT+7", -360: "Etc/GMT+6", -300: "Etc/GMT+5", 0: "Etc/UTC", 60: "Etc/GMT-1", 330: "Asia/Kolkata"}


def course_object(s: SandboxServer, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id, need_students=False)
    term = s.institution.terms[course.term_id]
    state = "completed" if course.state == "completed" else "available"
    return {
        "id": course.id,
        "name": course.name,
        "course_code": course.name.split(":")[0],
        "account_id": course.account_id,
        "enrollment_term_id": course.term_id,
        "workflow_state": state,
        "start_at": views.iso(term.start),
        "end_at": views.iso(term.end),
        "time_zone": _ZONES[course.tz_offset],
        "sis_course_id": f"SIS-{course.id}",
        "total_students": len(course.enrollments),
    }


def account_courses(s: SandboxServer, q: Query, account_id: int) -> Any:
    if account_id not in s.institution.accounts:
        raise HTTPAnswer(404, NOT_FOUND)
    tree = s.institution.account_tree(account_id)
    chosen = [c for c in s.institution.courses.values() if c.account_id in tree]
    if "enrollment_term_id" in q:
        chosen = [c for c in chosen if str(c.term_id) == q["enrollment_term_id"]]
    return Paged([course_object(s, q, c.id) for c in sorted(chosen, key=lambda c: c.id)])


def course_activity(s: SandboxServer, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id)
    with s.lock:  # the shuffle's generator is shared: Canvas sends these days in no order
        return views.course_activity(course, s.shuffle)


def course_assignments(s: SandboxServer, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id)
    settings = s.settings
    if course_id in settings.broken_assignments:
        raise HTTPAnswer(500, server_error(course_id))
    wants_job = settings.async_always or course_id in settings.failed_async
    if q.get("async") in ("true", "1") and wants_job and not s.jobs.finished(course_id):
        progress_id = s.jobs.start(course_id, fail=course_id in settings.failed_async)
        return {"progress_url": f"{s.url}/api/v1/progress/{progress_id}"}
    return views.course_assignments(course, settings.shape)


def student_summaries(s: SandboxServer, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id)
    rows = views.sort_summaries(course, views.student_summaries(course, s.settings.shape), q.get("sort_column"))
    if "student_id" in q:
        rows = [r for r in rows if str(r["id"]) == q["student_id"]]
    return Paged(rows)


def student_activity(s: SandboxServer, q: Query, course_id: int, student_id: int) -> Any:
    return views.student_activity(enrollment_or_404(s, course_id, student_id), s.settings.page_view_buckets)


def student_assignments(s: SandboxServer, q: Query, course_id: int, student_id: int) -> Any:
    enrollment = enrollment_or_404(s, course_id, student_id)
    return views.student_assignments(course_or_404(s, course_id), enrollment, s.settings.shape)


def student_communication(s: SandboxServer, q: Query, course_id: int, student_id: int) -> Any:
    return views.student_communication(enrollment_or_404(s, course_id, student_id))


def progress(s: SandboxServer, q: Query, progress_id: int) -> Any:
    answer = s.jobs.poll(progress_id)
    if answer is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return answer


_DEPT = r"/api/v1/accounts/(\d+)/analytics/(current|completed|terms/\d+)/"
_USER = r"/api/v1/courses/(\d+)/analytics/users/(\d+)/"
ROUTES: list[tuple[re.Pattern[str], Callable[..., Any]]] = [
    (re.compile(_DEPT + "activity"), department_activity),
    (re.compile(_DEPT + "grades"), department_grades),
    (re.compile(_DEPT + "statistics"), department_statistics),
    (re.compile(_DEPT + "statistics_by_subaccount"), statistics_by_subaccount),
    (re.compile(r"/api/lti/accounts/(\d+)/?(external_tools|data_services|)"), lti_account),
    (re.compile(r"/api/v1/courses/(\d+)"), course_object),
    (re.compile(r"/api/v1/accounts/(\d+)/courses"), account_courses),
    (re.compile(r"/api/v1/courses/(\d+)/analytics/activity"), course_activity),
    (re.compile(r"/api/v1/courses/(\d+)/analytics/assignments"), course_assignments),
    (re.compile(r"/api/v1/courses/(\d+)/analytics/student_summaries"), student_summaries),
    (re.compile(_USER + "activity"), student_activity),
    (re.compile(_USER + "assignments"), student_assignments),
    (re.compile(_USER + "communication"), student_communication),
    (re.compile(r"/api/v1/progress/(\d+)"), progress),
]


def route(s: SandboxServer, path: str, query: Query) -> Any:
    """The answer of the view whose pattern matches the whole path; 404 when none does."""
    for pattern, view in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return view(s, query, *(int(g) if g.isdigit() else g for g in match.groups()))
    raise HTTPAnswer(404, NOT_FOUND)
