"""The sandbox's route table: which view answers which method and path, GET and POST alike.

A Canvas view (``Route.canvas``: the token, throttle and faults rules of Canvas's API apply)
takes the state, the query (last value of each parameter) for a GET or the :class:`Request`
for a POST, and the path's captured groups (digit groups as ints). A GET view returns the JSON
body, or a :class:`Paged` list for the handler to paginate; a POST view returns
``(status, body)``. Any view may raise :class:`HTTPAnswer` for an error answer. A service with
its own authentication (the LRS, the LTI token endpoint, an xAPI callback) gets the
:class:`Request` and returns ``(status, body)``, ``None`` for an empty body.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from . import discussion_views, feedback_views, new_quiz_views, page_view_views, quiz_views, roster_views, views
from .answers import HTTPAnswer, Paged, Query, Reply, Request
from .discussions import Conversation, Message
from .model import TZ_NAMES, Course, Enrollment
from .state import SandboxState

__all__ = [
    "NOT_FOUND",
    "ROUTES",
    "Query",
    "HTTPAnswer",
    "Found",
    "Paged",
    "Reply",
    "Request",
    "Route",
    "find",
    "initial_post_required",
]

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


def server_error(seed: int) -> dict:
    """Canvas's 500 body, with an error report id."""
    return {
        "errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
        "error_report_id": 900000 + seed % 100000,
    }


# -- lookups that answer 404 as Canvas does -------------------------------------------------------


def course_or_404(s: SandboxState, course_id: int, *, need_students: bool = True) -> Course:
    """The course; Analytics answers 404 for a course without active students too."""
    course = s.institution.courses.get(course_id)
    if course is None or (need_students and not course.enrollments):
        raise HTTPAnswer(404, NOT_FOUND)
    return course


def enrollment_or_404(s: SandboxState, course_id: int, student_id: int) -> Enrollment:
    enrollment = course_or_404(s, course_id).enrollments.get(student_id)
    if enrollment is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return enrollment


def department_courses_or_404(s: SandboxState, account_id: int, term: str) -> list[Course]:
    inst = s.institution
    if account_id not in inst.accounts:
        raise HTTPAnswer(404, NOT_FOUND)
    if term.startswith("terms/"):
        term = term.removeprefix("terms/")
        if int(term) not in inst.terms:
            raise HTTPAnswer(404, NOT_FOUND)
    return inst.department_courses(account_id, term)


# -- views ----------------------------------------------------------------------------------------


def department_activity(s: SandboxState, q: Query, account_id: int, term: str) -> Any:
    return views.department_activity(department_courses_or_404(s, account_id, term), s.settings.shape)


def department_grades(s: SandboxState, q: Query, account_id: int, term: str) -> Any:
    return views.department_grades(department_courses_or_404(s, account_id, term))


def department_statistics(s: SandboxState, q: Query, account_id: int, term: str) -> Any:
    return views.statistics(s.institution, account_id, department_courses_or_404(s, account_id, term))


def statistics_by_subaccount(s: SandboxState, q: Query, account_id: int, term: str) -> Any:
    department_courses_or_404(s, account_id, term)  # 404 for an unknown account or term
    return views.statistics_by_subaccount(s.institution, account_id, term.removeprefix("terms/"))


def lti_account(s: SandboxState, q: Query, account_id: int, what: str) -> Any:
    answer = s.lti.view(account_id, what)
    if answer is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return Paged(answer) if isinstance(answer, list) else answer


# The sandbox's courses keep one UTC offset all year; these IANA zones do the same.


def course_object(s: SandboxState, q: Query, course_id: int) -> Any:
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
        "time_zone": TZ_NAMES[course.tz_offset],
        "sis_course_id": f"SIS-{course.id}",
        "total_students": len(course.enrollments),
    }


def account_courses(s: SandboxState, q: Query, account_id: int) -> Any:
    if account_id not in s.institution.accounts:
        raise HTTPAnswer(404, NOT_FOUND)
    tree = s.institution.account_tree(account_id)
    chosen = [c for c in s.institution.courses.values() if c.account_id in tree]
    if "enrollment_term_id" in q:
        chosen = [c for c in chosen if str(c.term_id) == q["enrollment_term_id"]]
    return Paged([course_object(s, q, c.id) for c in sorted(chosen, key=lambda c: c.id)])


def course_activity(s: SandboxState, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id)
    with s.lock:  # the shuffle's generator is shared: Canvas sends these days in no order
        return views.course_activity(course, s.shuffle)


def course_assignments(s: SandboxState, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id)
    settings = s.settings
    if course_id in settings.broken_assignments:
        raise HTTPAnswer(500, server_error(course_id))
    wants_job = settings.async_always or course_id in settings.failed_async
    if q.get("async") in ("true", "1") and wants_job and not s.jobs.finished(course_id):
        progress_id = s.jobs.start(course_id, fail=course_id in settings.failed_async)
        return {"progress_url": f"{s.url}/api/v1/progress/{progress_id}"}
    return views.course_assignments(course, settings.shape)


def student_summaries(s: SandboxState, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id)
    rows = views.sort_summaries(course, views.student_summaries(course, s.settings.shape), q.get("sort_column"))
    if "student_id" in q:
        rows = [r for r in rows if str(r["id"]) == q["student_id"]]
    return Paged(rows)


def student_activity(s: SandboxState, q: Query, course_id: int, student_id: int) -> Any:
    enrollment = enrollment_or_404(s, course_id, student_id)
    answer = functools.partial(views.student_activity, enrollment, s.settings.page_view_buckets)
    return s.analytics_answer(("activity", course_id, student_id), answer)


def student_assignments(s: SandboxState, q: Query, course_id: int, student_id: int) -> Any:
    enrollment = enrollment_or_404(s, course_id, student_id)
    answer = functools.partial(views.student_assignments, course_or_404(s, course_id), enrollment, s.settings.shape)
    return s.analytics_answer(("assignments", course_id, student_id), answer)


def student_communication(s: SandboxState, q: Query, course_id: int, student_id: int) -> Any:
    answer = functools.partial(views.student_communication, enrollment_or_404(s, course_id, student_id))
    return s.analytics_answer(("communication", course_id, student_id), answer)


def discussion_topics(s: SandboxState, q: Query, course_id: int) -> Any:
    course_or_404(s, course_id, need_students=False)
    announcements = q.get("only_announcements") in ("true", "1")
    topics = [t for t in s.institution.forums[course_id].topics if t.is_announcement == announcements]
    return Paged([discussion_views.topic_json(t, s.url) for t in sorted(topics, key=lambda t: t.id, reverse=True)])


def course_topic_view(s: SandboxState, q: Query, course_id: int, topic_id: int) -> Any:
    course_or_404(s, course_id, need_students=False)
    topic = s.institution.forums[course_id].topic(topic_id)
    if topic is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return _built_view(s, q, topic, topic_id)


def group_topic_view(s: SandboxState, q: Query, group_id: int, topic_id: int) -> Any:
    topic = next((t for f in s.institution.forums.values() if (t := f.child(group_id, topic_id))), None)
    if topic is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return _built_view(s, q, topic, topic_id)


def initial_post_required(s: SandboxState, path: str) -> bool:
    """Whether ``path`` is the view of a topic that requires a first post from a student before replies show."""
    match = _COURSE_VIEW.fullmatch(path)
    forum = s.institution.forums.get(int(match.group(1))) if match else None
    topic = forum.topic(int(match.group(2))) if forum and match else None
    return topic is not None and topic.kind == "debate"


def _built_view(s: SandboxState, q: Query, topic: Any, holder: int) -> Any:
    """The full view once the sandbox has "built" it; until then 503 with an empty body, as Canvas."""
    if not s.view_ready(holder):
        raise HTTPAnswer(503, b"")
    include_new = q.get("include_new_entries") in ("1", "true")
    return discussion_views.full_view(topic, holder, s.institution.as_of, include_new)


def conversations(s: SandboxState, q: Query) -> Any:
    inst = s.institution
    chosen = inst.conversations
    if "filter[]" in q:
        chosen = [c for c in chosen if f"course_{c.course_id}" == q["filter[]"]]
    # canvas-lms conversations_controller.rb#index: the default scope is the inbox (not archived, and
    # only conversations someone else wrote in: a message nobody answered is listed under "sent");
    # "archived" and "sent" list those.
    owner = inst.inbox_owner_id
    scope = q.get("scope")
    if scope == "archived":
        chosen = [c for c in chosen if c.workflow_state == "archived"]
    elif scope == "sent":
        chosen = [c for c in chosen if any(m.author_id == owner for m in c.messages)]
    else:
        answered = [c for c in chosen if any(m.author_id != owner for m in c.messages)]
        chosen = [c for c in answered if c.workflow_state != "archived"]
    newest_first = sorted(chosen, key=lambda c: c.messages[-1].created_at, reverse=True)
    return Paged([discussion_views.conversation_summary(c) for c in newest_first])


def conversation(s: SandboxState, q: Query, conversation_id: int) -> Any:
    found = next((c for c in s.institution.conversations if c.id == conversation_id), None)
    if found is None:
        raise HTTPAnswer(404, NOT_FOUND)
    if q.get("auto_mark_as_read", "true") not in ("false", "0") and found.workflow_state == "unread":
        with s.lock:  # Canvas's default: reading a conversation marks it read (an archived one stays archived)
            found.workflow_state = "read"
    return discussion_views.conversation(found)


def token_owner(s: SandboxState, q: Query) -> Any:
    """``GET /users/self``: the token's user (canvas-lms users_controller.rb#api_show, user_json): the
    teacher whose inbox ``/conversations`` lists."""
    owner = s.institution.inbox_owner_id
    name = f"Instructor {next(c.id for c in s.institution.courses.values() if c.teacher_id == owner)}"
    return {"id": owner, "name": name, "sortable_name": name, "short_name": name}


def sections(s: SandboxState, q: Query, course_id: int) -> Any:
    course = course_or_404(s, course_id, need_students=False)
    with_total = q.get("include[]") == "total_students"
    return Paged([roster_views.section_json(x, course, with_total) for x in s.institution.roster(course).sections])


def enrollments(s: SandboxState, q: Query, course_id: int) -> Any:
    """A course's enrollments of the types asked for (``type[]``; every type without it), as Canvas lists them."""
    course = course_or_404(s, course_id, need_students=False)
    # canvas-lms enrollments_api_controller.rb (course_index_enrollments): without state[] only
    # active and pending enrollments (and, for a teacher or admin, inactive ones) are listed, never
    # completed; with state[] exactly the states named.
    states = set(q.all("state[]")) or {"active", "invited", "inactive"}
    types = set(q.all("type[]"))
    staff = s.institution.feedback(course).staff
    rows = [feedback_views.staff_json(m, course, s.url) for m in staff if not types or m.type in types]
    if not types or "StudentEnrollment" in types:
        records = [r for r in s.institution.roster(course).records if r.state in states]
        rows += [roster_views.enrollment_json(r, course, s.url) for r in records]
    return Paged([row for row in rows if row["enrollment_state"] in states])


def course_submissions(s: SandboxState, q: Query, course_id: int) -> Any:
    """Every student's submissions with ``student_ids[]=all``; without it, the caller's own (a teacher has none).

    ``include[]=submission_comments`` adds each submission's comments, never a draft (canvas-lms
    submissions_api_controller.rb and lib/api/v1/submission.rb: drafts are left out even for their author).
    ``submitted_since`` / ``graded_since`` filter as Canvas does (:func:`roster_views.changed_since`;
    the token's user is taken to be in the course's time zone).
    """
    course = course_or_404(s, course_id, need_students=False)
    if q.get("student_ids[]") != "all":
        return Paged([])
    listed = roster_views.changed_since(s.institution.roster(course).submissions, q, course.tz_offset)
    rows = [roster_views.submission_json(r, s.url, course.id) for r in listed]
    if "submission_comments" in q.all("include[]"):
        inst = s.institution
        rows = feedback_views.with_comments(rows, course, inst.feedback(course), inst.inbox_owner_id, s.url)
    return Paged(rows)


def course_assignment_list(s: SandboxState, q: Query, course_id: int) -> Any:
    """``GET /courses/:id/assignments``: every assignment, in the course's order."""
    course = course_or_404(s, course_id, need_students=False)
    quizzes = {z.assignment_id: z for z in s.institution.quiz_sets[course.id] if z.assignment_id is not None}
    forum = s.institution.forums[course.id]
    category = next((t.group_category_id for t in forum.topics if t.group_category_id), None)
    return Paged(
        [
            feedback_views.assignment_json(
                a, n + 1, course, category if a.group_work else None, s.url, quizzes.get(a.id)
            )
            for n, a in enumerate(course.assignments)
        ]
    )


def quizzes(s: SandboxState, q: Query, course_id: int) -> Any:
    """``GET /courses/:id/quizzes``: the course's classic quizzes, paginated."""
    course = course_or_404(s, course_id, need_students=False)
    return Paged([quiz_views.quiz_json(z, course, s.url) for z in s.institution.quizzes(course)])


def quiz_questions(s: SandboxState, q: Query, course_id: int, quiz_id: int) -> Any:
    """``GET /courses/:id/quizzes/:id/questions``: every question, with points and answer weights, paginated."""
    course = course_or_404(s, course_id, need_students=False)
    quiz = quiz_views.find_quiz(s.institution.quizzes(course), quiz_id)
    return Paged([quiz_views.question_json(question, quiz) for question in quiz.questions])


def quiz_statistics(s: SandboxState, q: Query, course_id: int, quiz_id: int) -> Any:
    """``GET /courses/:id/quizzes/:id/statistics``: one answer, not paginated; 204 for a large quiz."""
    course = course_or_404(s, course_id, need_students=False)
    quiz = quiz_views.find_quiz(s.institution.quizzes(course), quiz_id)
    names = {sid: e.student.name for sid, e in course.enrollments.items()}
    return quiz_views.statistics_json(quiz, course, names, s.url)


def _new_quiz(s: SandboxState, course_id: int, assignment_id: int) -> tuple[Course, Any]:
    course = course_or_404(s, course_id, need_students=False)
    return course, quiz_views.find_quiz(s.institution.quizzes(course, "new"), assignment_id)


def new_quiz_items(s: SandboxState, q: Query, course_id: int, assignment_id: int) -> Any:
    """``GET /api/quiz/v1/courses/:id/quizzes/:assignment_id/items``: every item of a New Quiz."""
    _, quiz = _new_quiz(s, course_id, assignment_id)
    return [new_quiz_views.item_json(question) for question in quiz.questions]  # "all items": not paginated


def new_quiz_report(s: SandboxState, r: Request, course_id: int, assignment_id: int) -> tuple[int, Any]:
    """``POST /api/quiz/v1/courses/:id/quizzes/:assignment_id/reports``: a Progress; 409 while one runs."""
    course, quiz = _new_quiz(s, course_id, assignment_id)
    names = {sid: e.student.name for sid, e in course.enrollments.items()}

    def rows(report_type: str) -> list[list]:
        if report_type == "item_analysis":
            return new_quiz_views.item_analysis_rows(quiz)
        roster = s.institution.roster(course)
        sections = {sid: section for section in roster.sections for sid in section.student_ids}
        return new_quiz_views.student_analysis_rows(quiz, course, names, sections)

    fail = assignment_id in s.settings.failed_quiz_reports
    return s.quiz_reports.start(quiz, course.id, r.form, s.url, fail=fail, make=rows)


def report_download(s: SandboxState, q: Query, assignment_id: int, file_id: int) -> Reply:
    """A finished New Quizzes report's file (the Progress's ``results.url``)."""
    return s.quiz_reports.download(assignment_id, file_id)


def peer_reviews(s: SandboxState, q: Query, course_id: int, assignment_id: int) -> Any:
    """``GET /courses/:id/assignments/:id/peer_reviews``: one answer, not paginated (canvas-lms
    peer_reviews_api_controller.rb#index renders the whole list). With ``include[]=submission_comments``
    each review carries every comment on the reviewed submission, drafts and other people's included."""
    course = course_or_404(s, course_id, need_students=False)
    assignment = next((a for a in course.assignments if a.id == assignment_id), None)
    if assignment is None:
        raise HTTPAnswer(404, NOT_FOUND)
    inst, comments = s.institution, "submission_comments" in q.all("include[]")
    return feedback_views.reviews_json(assignment, inst.feedback(course), inst.inbox_owner_id, s.url, comments=comments)


def create_conversation(s: SandboxState, r: Request) -> tuple[int, Any]:
    """``POST /conversations``: one new conversation from the token's user to each recipient (a student
    of the context course), recorded in the inbox; 400 with Canvas's error shape for a bad request."""
    inst, form = s.institution, r.form
    with s.lock:
        s.posted.append(form)
    context = (form.get("context_code") or [""])[-1].removeprefix("course_")
    course = inst.courses.get(int(context)) if context.isdigit() else None
    body = (form.get("body") or [""])[-1]
    recipients = form.get("recipients[]", [])
    if not body.strip():
        return 400, {"errors": [{"attribute": "body", "type": "blank", "message": "blank"}]}
    if course is None or not recipients or any(not r.isdigit() or int(r) not in course.enrollments for r in recipients):
        return 400, {"errors": [{"attribute": "recipients", "type": "invalid", "message": "Invalid recipients"}]}
    created, now = [], datetime.now(timezone.utc).replace(microsecond=0)
    with s.lock:
        for recipient in recipients:
            message = Message(next(inst.forum_ids), inst.inbox_owner_id, now, body)
            subject = (form.get("subject") or [""])[-1]
            conversation = Conversation(
                next(inst.forum_ids), course.id, [inst.inbox_owner_id, int(recipient)], subject, [message], "read"
            )
            inst.conversations.append(conversation)
            created.append(discussion_views.conversation_summary(conversation))
    return 201, created


def progress(s: SandboxState, q: Query, progress_id: int) -> Any:
    answer = s.jobs.poll(progress_id) or s.quiz_reports.poll(progress_id, s.url)
    if answer is None:
        raise HTTPAnswer(404, NOT_FOUND)
    return answer


def lrs_statements_get(s: SandboxState, r: Request) -> tuple[int, Any]:
    return s.xapi.lrs_get(r.headers, r.query)


def lrs_statements_post(s: SandboxState, r: Request) -> tuple[int, Any]:
    return s.xapi.lrs_post(r.headers, r.body)


def lti_token(s: SandboxState, r: Request) -> tuple[int, Any]:
    return s.lti.token(f"{s.url}/login/oauth2/token", r.body)


def xapi_callback(s: SandboxState, r: Request, token: int | str) -> tuple[int, Any]:
    return s.xapi.callback(str(token), r.url, r.headers, r.body)


def user_page_views(s: SandboxState, q: Query, user_id: int) -> Reply:
    return page_view_views.page_views(s.page_views, f"{s.url}/api/v1/users/{user_id}/page_views", q, user_id)


def page_view_query(s: SandboxState, r: Request, user_id: int) -> Reply:
    """``POST .../page_views/query``: Canvas takes the dates as a form or as JSON."""
    form = r.form
    if r.headers.get("Content-Type", "").startswith("application/json"):
        try:
            form = {k: [str(v)] for k, v in json.loads(r.body or b"{}").items()}
        except (ValueError, AttributeError):
            raise HTTPAnswer(400, page_view_views.MALFORMED) from None
    return page_view_views.create_query(s.page_views, form, user_id)


def page_view_poll(s: SandboxState, q: Query, user_id: int, query_id: str) -> Reply:
    return page_view_views.poll_query(s.page_views, user_id, query_id)


def page_view_results(s: SandboxState, q: Query, user_id: int, query_id: str) -> Reply:
    return page_view_views.query_results(s.page_views, user_id, query_id)


_COURSE_VIEW = re.compile(r"/api/v1/courses/(\d+)/discussion_topics/(\d+)/view")
_DEPT = r"/api/v1/accounts/(\d+)/analytics/(current|completed|terms/\d+)/"
_USER = r"/api/v1/courses/(\d+)/analytics/users/(\d+)/"


@dataclass(frozen=True)
class Route:
    """One row of the table: a method and a whole-path pattern, the view, and whose rules apply."""

    method: Literal["GET", "POST"]
    pattern: re.Pattern[str]
    view: Callable[..., Any]
    canvas: bool = True  # Canvas's token, throttle and fault rules; False: a service with its own auth


def _get(pattern: re.Pattern[str] | str, view: Callable[..., Any], *, canvas: bool = True) -> Route:
    return Route("GET", re.compile(pattern), view, canvas)


def _post(pattern: str, view: Callable[..., Any], *, canvas: bool = True) -> Route:
    return Route("POST", re.compile(pattern), view, canvas)


ROUTES: list[Route] = [
    _get(_DEPT + "activity", department_activity),
    _get(_DEPT + "grades", department_grades),
    _get(_DEPT + "statistics", department_statistics),
    _get(_DEPT + "statistics_by_subaccount", statistics_by_subaccount),
    _get(r"/api/lti/accounts/(\d+)/?(external_tools|data_services|)", lti_account),
    _get(r"/api/v1/courses/(\d+)", course_object),
    _get(r"/api/v1/accounts/(\d+)/courses", account_courses),
    _get(r"/api/v1/courses/(\d+)/analytics/activity", course_activity),
    _get(r"/api/v1/courses/(\d+)/analytics/assignments", course_assignments),
    _get(r"/api/v1/courses/(\d+)/analytics/student_summaries", student_summaries),
    _get(_USER + "activity", student_activity),
    _get(_USER + "assignments", student_assignments),
    _get(_USER + "communication", student_communication),
    _get(r"/api/v1/courses/(\d+)/discussion_topics", discussion_topics),
    _get(_COURSE_VIEW, course_topic_view),
    _get(r"/api/v1/groups/(\d+)/discussion_topics/(\d+)/view", group_topic_view),
    _get(r"/api/v1/courses/(\d+)/sections", sections),
    _get(r"/api/v1/courses/(\d+)/enrollments", enrollments),
    _get(r"/api/v1/courses/(\d+)/students/submissions", course_submissions),
    _get(r"/api/v1/courses/(\d+)/assignments", course_assignment_list),
    _get(r"/api/v1/courses/(\d+)/assignments/(\d+)/peer_reviews", peer_reviews),
    _get(r"/api/v1/courses/(\d+)/quizzes", quizzes),
    _get(r"/api/v1/courses/(\d+)/quizzes/(\d+)/questions", quiz_questions),
    _get(r"/api/v1/courses/(\d+)/quizzes/(\d+)/statistics", quiz_statistics),
    _get(r"/api/quiz/v1/courses/(\d+)/quizzes/(\d+)/items", new_quiz_items),
    _get(r"/api/assignments/(\d+)/files/(\d+)/download", report_download),
    _get(r"/api/v1/conversations", conversations),
    _get(r"/api/v1/conversations/(\d+)", conversation),
    _get(r"/api/v1/progress/(\d+)", progress),
    _get(r"/api/v1/users/self", token_owner),
    _get(r"/api/v1/users/(\d+)/page_views", user_page_views),
    _get(r"/api/v1/users/(\d+)/page_views/query/(\w+)", page_view_poll),
    _get(r"/api/v1/users/(\d+)/page_views/query/(\w+)/results", page_view_results),
    _get(r"/xapi/statements", lrs_statements_get, canvas=False),
    _post(r"/api/v1/conversations", create_conversation),
    _post(r"/api/v1/users/(\d+)/page_views/query", page_view_query),
    _post(r"/api/quiz/v1/courses/(\d+)/quizzes/(\d+)/reports", new_quiz_report),
    _post(r"/xapi/statements", lrs_statements_post, canvas=False),
    _post(r"/login/oauth2/token", lti_token, canvas=False),
    _post(r"/api/lti/v1/xapi/(?:.*/)?([^/]*)", xapi_callback, canvas=False),
]


@dataclass(frozen=True)
class Found:
    """The route that answers a request, and the path's captured groups (digit groups as ints)."""

    route: Route
    groups: tuple[int | str, ...]

    def __call__(self, s: SandboxState, request: Query | Request) -> Any:
        return self.route.view(s, request, *self.groups)


def find(method: str, path: str) -> Found | None:
    """The first route of ``method`` whose pattern matches the whole path."""
    for row in ROUTES:
        match = row.pattern.fullmatch(path) if row.method == method else None
        if match:
            groups = match.groups()  # a service's path parts (an xAPI callback token) stay text
            return Found(row, tuple(int(g) if row.canvas and g.isdigit() else g for g in groups))
    return None
