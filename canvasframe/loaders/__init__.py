"""The public ``load_*`` functions, and :data:`LOADERS`, the registry that describes them.

Every loader is a plain ``def`` with a full signature: it checks its arguments, turns
them into units of work (one account × term, one course, one course's students) and
hands them to one pipeline (cache, fetch, transform, store). Each
takes one id or a list of ids and returns one concatenated frame; the id is always a
column. One module per family: :mod:`.accounts`, :mod:`.departments`, :mod:`.courses`,
:mod:`.discussions`, :mod:`.enrollments`, :mod:`.feedback`, :mod:`.page_view_log`; and
:func:`load_course`, several frames in one pass (:mod:`.passes`).
"""

from ._registry import LOADERS, LoaderSpec
from .accounts import load_account, load_courses, load_data_services, load_external_tools
from .courses import (
    load_communication,
    load_course_activity,
    load_course_assignments,
    load_page_views,
    load_participations,
    load_student_assignments,
    load_student_summaries,
)
from .departments import (
    load_department_activity,
    load_department_categories,
    load_department_grades,
    load_department_statistics,
    load_subaccount_statistics,
)
from .discussions import load_conversations, load_discussion_entries, load_discussion_topics
from .enrollments import load_enrollments, load_sections, load_submissions
from .feedback import load_peer_reviews, load_staff, load_submission_comments
from .page_view_log import load_page_view_log
from .passes import COURSE_FRAMES, load_course
from .quizzes import load_quiz_items, load_quiz_options, load_quiz_responses, load_quizzes

__all__ = [
    "COURSE_FRAMES",
    "LOADERS",
    "LoaderSpec",
    "load_account",
    "load_communication",
    "load_conversations",
    "load_course",
    "load_course_activity",
    "load_course_assignments",
    "load_courses",
    "load_data_services",
    "load_department_activity",
    "load_department_categories",
    "load_department_grades",
    "load_department_statistics",
    "load_discussion_entries",
    "load_discussion_topics",
    "load_enrollments",
    "load_external_tools",
    "load_page_view_log",
    "load_page_views",
    "load_participations",
    "load_peer_reviews",
    "load_quiz_items",
    "load_quiz_options",
    "load_quiz_responses",
    "load_quizzes",
    "load_sections",
    "load_staff",
    "load_student_assignments",
    "load_student_summaries",
    "load_subaccount_statistics",
    "load_submission_comments",
    "load_submissions",
]
