"""Pure functions: Canvas's JSON (already parsed) -> tidy frames, and the table of which makes which frame.

No I/O, no globals. One module per family: :mod:`._coerce` (scalar checks shared by
all), :mod:`.analytics`, :mod:`.page_views` (the vectorised hour-key path),
:mod:`.courses`, :mod:`.reports` (sections, enrollments, submissions), :mod:`.feedback`
(submission comments, staff, peer reviews), :mod:`.lti` and :mod:`.xapi`. :data:`TRANSFORMS` maps every frame
name to its transform and says what it needs, so the loaders and the property tests
read one table.

Examples
--------
>>> from canvasframe.transforms import TRANSFORMS
>>> payload = [{"date": "2026-09-02", "views": 4, "participations": 1}]
>>> TRANSFORMS["course_activity"](payload, {"course_id": 7})[["course_id", "views"]]
   course_id  views
0          7      4
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from ..endpoints import FanOut
from ..errors import warn
from ..schemas import empty_frame, to_frame, to_table
from ._coerce import as_bool, as_float, as_id, as_int, as_str, is_digits, sorted_table, utc_days, utc_timestamps
from .analytics import (
    COMMUNICATION_ORDER,
    PARTICIPATIONS_ORDER,
    STUDENT_ASSIGNMENTS_ORDER,
    communication,
    course_activity,
    course_assignments,
    department_activity,
    department_categories,
    department_grades,
    department_statistics,
    participations,
    student_assignments,
    student_summaries,
    subaccount_statistics,
)
from .courses import courses
from .discussions import CONVERSATIONS_ORDER, conversation_ids, conversations, discussion_entries, discussion_topics
from .feedback import (
    PEER_REVIEWS_ORDER,
    SUBMISSION_COMMENTS_ORDER,
    peer_reviews,
    reviewed_assignment_ids,
    staff,
    submission_comments,
)
from .lti import account, data_services, external_tools
from .page_view_log import PAGE_VIEW_LOG_ORDER, page_view_log
from .page_views import PAGE_VIEWS_ORDER, canvas_hours, page_views
from .quizzes import (
    ITEMS_ORDER,
    OPTIONS_ORDER,
    QUIZZES_ORDER,
    RESPONSES_ORDER,
    quiz_ids,
    quiz_items,
    quiz_options,
    quiz_responses,
    quizzes,
)
from .reports import SUBMISSIONS_ORDER, enrollments, sections, submissions
from .xapi import statements_to_frame

__all__ = [
    "TRANSFORMS",
    "Transform",
    "account",
    "as_bool",
    "as_float",
    "as_id",
    "as_int",
    "as_str",
    "canvas_hours",
    "communication",
    "conversation_ids",
    "conversations",
    "course_activity",
    "course_assignments",
    "courses",
    "data_services",
    "department_activity",
    "department_categories",
    "department_grades",
    "department_statistics",
    "discussion_entries",
    "discussion_topics",
    "enrollments",
    "external_tools",
    "is_digits",
    "page_view_log",
    "page_views",
    "participations",
    "peer_reviews",
    "quiz_ids",
    "quiz_items",
    "quiz_options",
    "quiz_responses",
    "quizzes",
    "reviewed_assignment_ids",
    "sections",
    "sorted_table",
    "staff",
    "statements_to_frame",
    "student_assignments",
    "student_summaries",
    "subaccount_statistics",
    "submission_comments",
    "submissions",
    "utc_days",
    "utc_timestamps",
]


@dataclass(frozen=True)
class Transform:
    """How one frame is made from Canvas's JSON.

    Attributes
    ----------
    function : callable
        ``function(payload, *, source, **context) -> DataFrame``.
    context : tuple of str
        The unit's parameters it takes as keywords (``course_id``; ``account_id`` and ``term``).
    fan_out : {"students", "topics", "conversations", "assignments", "quizzes"}, optional
        The payload is ``[(key, body), ...]``: one body per student of a course (the key is the
        student id), per discussion topic (``{"topic_id", "group_id", "due_at"}``), per
        conversation (its id), per assignment with peer reviews (its id) or per quiz (its id).
    identity : tuple of str
        The columns that identify a row of a listing (a submission, a topic, a post). Canvas's
        offset pagination shifts when data change during a read, so a row can be listed on two
        pages (and a post twice in one view): :meth:`deduplicated` keeps each once, with a
        warning that counts them.
    keys : tuple of str
        The columns the frame's rows are sorted by. A transform with keys may be applied part
        by part (a streamed listing page by page, a fan-out a few hundred students at a time):
        the parts, in input order, are put together by a stable sort on them, which gives the
        frame one call over everything would.
    """

    function: Callable[..., pd.DataFrame]
    context: tuple[str, ...] = ()
    fan_out: FanOut | None = None
    keys: tuple[str, ...] = ()
    identity: tuple[str, ...] = ()

    def deduplicated(self, name: str, frame: pd.DataFrame, source: str) -> pd.DataFrame:
        """``frame`` with each row its ``identity`` names kept once (the first listed), with a warning."""
        if not self.identity or frame.empty:
            return frame
        repeated = frame.duplicated(list(self.identity), keep="first")
        if not repeated.any():
            return frame
        shown = frame.loc[repeated, list(self.identity)].head(3).to_dict("records")
        warn(
            f"{source}: {int(repeated.sum())} row(s) of {name} listed more than once (e.g. {shown}); Canvas's "
            "paging shifts when data change during a read. Each is kept once."
        )
        kept = frame[~repeated].reset_index(drop=True)
        kept.attrs = frame.attrs
        return kept

    def combine(self, name: str, pages: list[pd.DataFrame]) -> pd.DataFrame:
        """The frame from its parts' frames (all of one schema), in input order.

        ``pages`` is emptied: the parts are joined and sorted in Arrow and let go before the
        frame is made, so a large frame is held at most about twice while it is put together.
        """
        if not pages:
            return empty_frame(name)
        if len(pages) == 1:
            return pages.pop()
        table = pa.concat_tables([to_table({c: page[c] for c in page.columns}, name) for page in pages])
        pages.clear()
        table = sorted_table(table, self.keys)  # the parts go with the joined table: only the sorted one is left
        return to_frame(table)

    def __call__(self, payload: Any, unit: Mapping[str, Any], source: str | None = None) -> pd.DataFrame:
        """Apply the transform with the context it takes from ``unit`` (a loader's unit of work)."""
        keywords = {key: unit[key] for key in self.context}
        if source is not None:
            keywords["source"] = source
        return self.function(payload, **keywords)


_ACCOUNT = ("account_id",)
_DEPARTMENT = ("account_id", "term")
_COURSE = ("course_id",)

TRANSFORMS: dict[str, Transform] = {
    "account": Transform(account, _ACCOUNT),
    "external_tools": Transform(external_tools, _ACCOUNT),
    "data_services": Transform(data_services, _ACCOUNT),
    "courses": Transform(courses, _DEPARTMENT, identity=("course_id",)),
    "department_activity": Transform(department_activity, _DEPARTMENT),
    "department_categories": Transform(department_categories, _DEPARTMENT),
    "department_grades": Transform(department_grades, _DEPARTMENT),
    "department_statistics": Transform(department_statistics, _DEPARTMENT),
    "subaccount_statistics": Transform(subaccount_statistics, _DEPARTMENT),
    "course_activity": Transform(course_activity, _COURSE),
    "course_assignments": Transform(course_assignments, _COURSE),
    "student_summaries": Transform(student_summaries, _COURSE),
    "page_views": Transform(page_views, _COURSE, fan_out="students", keys=PAGE_VIEWS_ORDER),
    "participations": Transform(participations, _COURSE, fan_out="students", keys=PARTICIPATIONS_ORDER),
    "student_assignments": Transform(student_assignments, _COURSE, fan_out="students", keys=STUDENT_ASSIGNMENTS_ORDER),
    "communication": Transform(communication, _COURSE, fan_out="students", keys=COMMUNICATION_ORDER),
    "discussion_topics": Transform(discussion_topics, _COURSE, identity=("course_id", "topic_id")),
    "discussion_entries": Transform(
        discussion_entries, _COURSE, fan_out="topics", identity=("course_id", "topic_id", "group_id", "entry_id")
    ),
    "conversations": Transform(
        conversations, fan_out="conversations", keys=CONVERSATIONS_ORDER, identity=("conversation_id", "message_id")
    ),
    "sections": Transform(sections, _COURSE, identity=("course_id", "section_id")),
    "enrollments": Transform(enrollments, _COURSE, identity=("course_id", "enrollment_id")),
    "submissions": Transform(submissions, _COURSE, keys=SUBMISSIONS_ORDER, identity=SUBMISSIONS_ORDER),
    "submission_comments": Transform(
        submission_comments, _COURSE, keys=SUBMISSION_COMMENTS_ORDER, identity=("course_id", "comment_id")
    ),
    "staff": Transform(staff, _COURSE, identity=("course_id", "enrollment_id")),
    "peer_reviews": Transform(
        peer_reviews, _COURSE, fan_out="assignments", keys=PEER_REVIEWS_ORDER, identity=("course_id", "review_id")
    ),
    "quizzes": Transform(quizzes, _COURSE, keys=QUIZZES_ORDER, identity=("course_id", "quiz_id")),
    "quiz_options": Transform(quiz_options, _COURSE, fan_out="quizzes", keys=OPTIONS_ORDER),
    "quiz_items": Transform(quiz_items, _COURSE, fan_out="quizzes", keys=ITEMS_ORDER),
    "quiz_responses": Transform(quiz_responses, _COURSE, fan_out="quizzes", keys=RESPONSES_ORDER),
    "page_view_log": Transform(page_view_log, ("student_id",), keys=PAGE_VIEW_LOG_ORDER),
    "xapi_statements": Transform(statements_to_frame),
}
