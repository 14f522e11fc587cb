"""The declarative table of Canvas calls and the frames each one feeds.

One row per call: its URL template (below ``/api/v1/`` or Canvas's LTI API at
``/api/lti/``), its query, how it pages, which frames its answer feeds (each made by
``canvasframe.transforms.TRANSFORMS[frame]``), whether it is asked once per student of a
course, and what a 404 means. The loaders' pipeline reads these fields and nothing else:
adding an endpoint is adding a row.

One call can feed several frames (department ``activity`` gives both
``department_activity`` and ``department_categories``; per-student ``activity``
gives ``page_views`` and ``participations``): loaders fetch it once and cache
every frame it feeds.

Examples
--------
>>> ep = FRAMES["page_views"]
>>> ep.url_path({"course_id": 7, "student_id": 42})
'/api/v1/courses/7/analytics/users/42/activity'
>>> FRAMES["department_grades"].url_path({"account_id": 1, "term": "1234"})
'/api/v1/accounts/1/analytics/terms/1234/grades'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "AUTHOR_ROLES",
    "DEFAULT_TERM",
    "ENDPOINTS",
    "ENROLLMENT_TYPES",
    "FRAMES",
    "STAFF_TYPES",
    "TERM_SELECTORS",
    "Endpoint",
    "TermSelector",
]

# Analytics' words for a term in a department call's path: the default term's available
# ("current") or concluded ("completed") courses; any other term is asked for by its id.
TermSelector = Literal["current", "completed"]
TERM_SELECTORS: tuple[str, ...] = get_args(TermSelector)
TERM_WORDS = ", ".join(f'"{w}"' for w in TERM_SELECTORS)  # as messages and docs name them
DEFAULT_TERM: TermSelector = "current"  # what a department loader reads when no term is given
# The scopes of GET /conversations that together hold every conversation of the token's user: the
# default (the inbox) leaves out archived ones, and one whose messages nobody else answered may be
# listed only under "sent" (canvas-lms conversations_controller.rb#index). A conversation in several
# is read once.
CONVERSATION_SCOPES = (None, "archived", "sent")
ENROLLMENT_STATES = ("active", "invited", "inactive", "completed")  # every state a course's student can be in
# Canvas's enrollment types (what a role is made from: a role's name may be custom, its type never
# is) and the one word frames use for each. Staff are every type but students'.
ENROLLMENT_TYPES = {
    "StudentEnrollment": "student",
    "TeacherEnrollment": "teacher",
    "TaEnrollment": "ta",
    "DesignerEnrollment": "designer",
    "ObserverEnrollment": "observer",
}
STAFF_TYPES = tuple(t for t in ENROLLMENT_TYPES if t != "StudentEnrollment")
STAFF_WORDS = ", ".join(ENROLLMENT_TYPES[t] for t in STAFF_TYPES)
# The roles a comment's author can have: a student's own (or a group mate's) comment, a peer
# reviewer's, or a staff member's by enrollment type.
AUTHOR_ROLES = ("student", "peer", *(ENROLLMENT_TYPES[t] for t in STAFF_TYPES if t != "ObserverEnrollment"))
ROLE_WORDS = ", ".join(AUTHOR_ROLES)

Api = Literal["v1", "lti", "quiz"]
Paging = Literal["single", "paginated", "streamed", "async"]
# What a fanned-out call is asked once per: each student of a course (from ``student_summaries``),
# each discussion topic (from ``discussion_topics``; a group discussion's child topics one by one)
# each conversation of the token owner's inbox (from the ``conversation_list`` call) or each assignment
# with peer reviews (from the ``assignment_list`` call).
FanOut = Literal["students", "topics", "conversations", "assignments", "quizzes"]
TermIn = Literal["path", "query"]
_ROOTS: dict[Api, str] = {"v1": "/api/v1/", "lti": "/api/lti/", "quiz": "/api/quiz/v1/"}
EVERY_TERM = "all"  # a unit's term when an account listing is not filtered by term


@dataclass(frozen=True)
class Endpoint:
    """One Canvas call.

    Attributes
    ----------
    path : str
        URL template below the API root, with ``{account_id}``, ``{course_id}``, ``{student_id}``
        and ``{term_path}`` (``current``, ``completed`` or ``terms/<id>``) fields.
    frames : tuple of str
        The frames this call's answer feeds.
    api : {"v1", "lti", "quiz"}
        Canvas's REST API (``/api/v1/``), its LTI API (``/api/lti/``) or the New Quizzes API
        (``/api/quiz/v1/``).
    paging : {"single", "paginated", "streamed", "async"}
        One answer; every page by Link headers; every page too, each turned into rows as it arrives
        so a large listing's JSON is never held whole; or an answer that may be a ``progress_url``
        to wait for.
    query : mapping
        Query parameters sent with every request.
    fan_out : {"students", "topics", "conversations", "assignments", "quizzes"}, optional
        Asked once per student of the course, per discussion topic, per conversation, per
        assignment with peer reviews, or per classic quiz (a fanned call may be ``paginated``); the
        payload handed to the transform is then ``[(key, body), ...]`` in a stable order.
    query_from : tuple of str
        Unit fields sent as query parameters of the same name when they are not None
        (``only_announcements``, ``filter[]``).
    builds : str, optional
        Canvas builds the answer in a background job and answers 503 with an empty body until it
        is ready (a discussion's full view): wait for it up to the session's ``poll_timeout``. The
        text names what is built, for the error when it never is (formatted with the unit).
    forbidden : mapping
        Canvas's message of a 403 -> what to tell the user instead (formatted with the unit).
    term_in : {"path", "query"}, optional
        Where a unit's term goes: ``{term_path}`` in the path, or the ``enrollment_term_id``
        filter of an account listing (left out for every term).
    empty_on_404 : bool
        A 404 is Canvas's normal answer for a course without active students or an
        unpublished course: an empty frame and a warning instead of an error.
    """

    path: str
    frames: tuple[str, ...]
    api: Api = "v1"
    paging: Paging = "single"
    query: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)  # a tuple: the parameter repeated
    fan_out: FanOut | None = None
    query_from: tuple[str, ...] = ()
    builds: str | None = None
    forbidden: Mapping[str, str] = field(default_factory=dict)
    term_in: TermIn | None = None
    empty_on_404: bool = False

    @property
    def per_student(self) -> bool:
        return self.fan_out == "students"

    def url_path(self, unit: Mapping[str, Any]) -> str:
        """The path from the server's root for one unit of work (``{"course_id": 7}`` ...)."""
        fields = dict(unit)
        if self.term_in == "path":
            term = str(unit["term"])
            fields["term_path"] = term if term in TERM_SELECTORS else f"terms/{term}"
        return _ROOTS[self.api] + self.path.format(**fields)

    def params(self, unit: Mapping[str, Any]) -> dict[str, Any] | None:
        """The query for one unit of work (None when there is none)."""
        query = dict(self.query)
        if self.term_in == "query" and unit["term"] != EVERY_TERM:
            query["enrollment_term_id"] = str(unit["term"])
        query |= {key: str(unit[key]) for key in self.query_from if unit.get(key) is not None}
        return query or None

    @property
    def display_path(self) -> str:
        """The URL template as Canvas's docs write it: ``/api/v1/courses/:course_id/analytics/activity``."""
        names = ("account_id", "course_id", "student_id", "topic_id", "conversation_id", "assignment_id", "quiz_id")
        placeholders = {k: f":{k}" for k in names}
        placeholders["context"] = "{courses|groups}/:id"
        return _ROOTS[self.api] + self.path.format(term_path=":term", **placeholders)


_DEPT = "accounts/{account_id}/analytics/{term_path}/"
_STUDENT = "courses/{course_id}/analytics/users/{student_id}/"


def _department(call: str, *frames: str) -> Endpoint:
    return Endpoint(_DEPT + call, frames, term_in="path")


def _per_student(call: str, *frames: str) -> Endpoint:
    return Endpoint(_STUDENT + call, frames, fan_out="students")


ENDPOINTS: dict[str, Endpoint] = {
    "account": Endpoint("accounts/{account_id}", ("account",), api="lti"),
    "external_tools": Endpoint(
        "accounts/{account_id}/external_tools", ("external_tools",), api="lti", paging="paginated"
    ),
    "data_services": Endpoint("accounts/{account_id}/data_services", ("data_services",), api="lti", paging="paginated"),
    "courses": Endpoint(
        "accounts/{account_id}/courses",
        ("courses",),
        paging="paginated",
        query={"include[]": "total_students"},
        term_in="query",
    ),
    "department_activity": _department("activity", "department_activity", "department_categories"),
    "department_grades": _department("grades", "department_grades"),
    "department_statistics": _department("statistics", "department_statistics"),
    "subaccount_statistics": _department("statistics_by_subaccount", "subaccount_statistics"),
    "course_activity": Endpoint("courses/{course_id}/analytics/activity", ("course_activity",), empty_on_404=True),
    "course_assignments": Endpoint(
        "courses/{course_id}/analytics/assignments",
        ("course_assignments",),
        paging="async",
        query={"async": "true"},
        empty_on_404=True,
    ),
    "student_summaries": Endpoint(
        "courses/{course_id}/analytics/student_summaries",
        ("student_summaries",),
        paging="paginated",
        empty_on_404=True,
    ),
    "student_activity": _per_student("activity", "page_views", "participations"),
    "student_assignments": _per_student("assignments", "student_assignments"),
    "student_communication": _per_student("communication", "communication"),
    "discussion_topics": Endpoint(
        "courses/{course_id}/discussion_topics",
        ("discussion_topics",),
        paging="paginated",
        query_from=("only_announcements",),
    ),
    "discussion_entries": Endpoint(
        "{context}/discussion_topics/{topic_id}/view",
        ("discussion_entries",),
        query={"include_new_entries": "1"},
        fan_out="topics",
        builds="the full view of topic {topic_id} of course {course_id}",
        forbidden={
            "require_initial_post": "Topic {topic_id} requires a first post from the token's user before "
            "anyone's replies are visible to them (Canvas's require_initial_post). Post once in it, use a "
            "teacher's or admin's token, or leave it out with topic_id=[...]."
        },
    ),
    "sections": Endpoint(
        "courses/{course_id}/sections", ("sections",), paging="paginated", query={"include[]": "total_students"}
    ),
    # Without state[] Canvas lists no completed enrollments (and inactive ones only to teachers and
    # admins): canvas-lms app/controllers/enrollments_api_controller.rb, course_index_enrollments. A
    # dropped or concluded student still has submissions, so every state a student can be in is asked.
    "enrollments": Endpoint(
        "courses/{course_id}/enrollments",
        ("enrollments",),
        paging="paginated",
        query={"type[]": "StudentEnrollment", "state[]": ENROLLMENT_STATES},
    ),
    # Every student × assignment of the course: thousands of rows, so it is streamed page by page.
    # The comments on each submission come in the same answer (include[]=submission_comments), so
    # loading either frame caches both.
    "submissions": Endpoint(
        "courses/{course_id}/students/submissions",
        ("submissions", "submission_comments"),
        paging="streamed",
        query={"student_ids[]": "all", "include[]": "submission_comments"},
    ),
    # The submissions graded or submitted after a moment (graded_since / submitted_since, one at a
    # time: Canvas ANDs the two), the change signal of refresh="changed" for student_assignments.
    "submission_changes": Endpoint(
        "courses/{course_id}/students/submissions",
        (),
        paging="paginated",
        query={"student_ids[]": "all"},
        query_from=("graded_since", "submitted_since"),
    ),
    # The teachers, assistants, designers and observers: what a comment's author's role is read from.
    "staff": Endpoint(
        "courses/{course_id}/enrollments",
        ("staff",),
        paging="paginated",
        query={"type[]": STAFF_TYPES, "state[]": ENROLLMENT_STATES},
    ),
    # The assignments, for the ones with peer reviews (the peer_reviews fan-out's items).
    "assignment_list": Endpoint("courses/{course_id}/assignments", (), paging="paginated"),
    # One answer per assignment, not paginated (canvas-lms peer_reviews_api_controller.rb#index). Its
    # comments are every comment on the reviewed submission, drafts included; the transform keeps
    # the count of the assessor's own.
    "peer_reviews": Endpoint(
        "courses/{course_id}/assignments/{assignment_id}/peer_reviews",
        ("peer_reviews",),
        query={"include[]": "submission_comments"},
        fan_out="assignments",
    ),
    # Classic quizzes (canvas-lms quizzes_api_controller.rb#index, paginated): the fan-outs' items.
    "quizzes": Endpoint("courses/{course_id}/quizzes", ("quizzes",), paging="paginated"),
    # Each quiz's questions with their points and answer weights, which the statistics leave out.
    "quiz_questions": Endpoint(
        "courses/{course_id}/quizzes/{quiz_id}/questions", ("quiz_options",), paging="paginated", fan_out="quizzes"
    ),
    # One answer per quiz, not paginated: who chose which option, and Canvas's item analysis (see
    # canvasframe/sandbox/quiz_views.py for the canvas-lms files). 204 No Content for a large quiz.
    "quiz_statistics": Endpoint(
        "courses/{course_id}/quizzes/{quiz_id}/statistics", ("quiz_items", "quiz_responses"), fan_out="quizzes"
    ),
    # New Quizzes (read by canvasframe/_new_quizzes.py, found in assignment_list): a quiz is named by
    # its assignment's id. Its items ("all items": one answer, followed if Canvas ever pages it), and
    # its reports, POSTed and waited for through the Progress API.
    "new_quiz_items": Endpoint("courses/{course_id}/quizzes/{quiz_id}/items", (), api="quiz", paging="paginated"),
    "new_quiz_reports": Endpoint("courses/{course_id}/quizzes/{quiz_id}/reports", (), api="quiz", paging="async"),
    # Never marks anything read: Canvas's default for GET /conversations/:id is to mark it read. Listed
    # once per scope of CONVERSATION_SCOPES (see there).
    "conversation_list": Endpoint(
        "conversations", (), paging="paginated", query={"auto_mark_as_read": "false"}, query_from=("filter[]",)
    ),
    "conversations": Endpoint(
        "conversations/{conversation_id}",
        ("conversations",),
        query={"auto_mark_as_read": "false"},
        fan_out="conversations",
    ),
}

FRAMES: dict[str, Endpoint] = {frame: ep for ep in ENDPOINTS.values() for frame in ep.frames}
"""Frame name -> the endpoint whose answer makes it."""
