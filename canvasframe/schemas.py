"""One ``pyarrow.Schema`` per frame: the single source of truth for columns and dtypes.

Every frame is built as an Arrow table with its schema and converted to pandas
by :func:`to_frame`, both when freshly loaded and when read from the cache, so
the two are identical. Columns whose pandas dtype must be nullable (``Int64``,
``boolean``) say so in their field metadata.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from .endpoints import ROLE_WORDS, STAFF_WORDS, TERM_WORDS

__all__ = [
    "DEPARTMENT_STATS",
    "QUARTILE_NAMES",
    "SCHEMAS",
    "TARDINESS",
    "empty_frame",
    "fingerprint",
    "to_frame",
    "to_table",
]

UTC_TS = pa.timestamp("us", tz="UTC")
DAY = pa.timestamp("us")
_PANDAS_DTYPE = b"pandas_dtype"


def _f(name: str, type_: pa.DataType, doc: str, pandas_dtype: str | None = None) -> pa.Field:
    meta = {b"doc": doc.encode()}
    if pandas_dtype:
        meta[_PANDAS_DTYPE] = pandas_dtype.encode()
    return pa.field(name, type_, metadata=meta)


def _count(name: str, doc: str) -> pa.Field:
    return _f(name, pa.int64(), doc)


def _score(name: str, doc: str) -> pa.Field:
    return _f(name, pa.float64(), doc)


ACCOUNT = _f("account_id", pa.int64(), "the account asked for")
TERM = _f("term", pa.string(), f"{TERM_WORDS} or the term id, as asked for")
COURSE = _f("course_id", pa.int64(), "Canvas course id")
STUDENT = _f("student_id", pa.int64(), "Canvas user id of the student")
ASSIGNMENT = _f("assignment_id", pa.int64(), "Canvas assignment id")
DATE = _f("date", DAY, "UTC day (naive, midnight)")
QUIZ = _f("quiz_id", pa.int64(), "Canvas quiz id (a New Quiz's is its assignment's id)")
QUESTION = _f("question_id", pa.string(), "Canvas quiz question id (text: Canvas's statistics send ids as strings)")
QUESTION_INFO = [
    QUESTION,
    _f("position", pa.int64(), "the question's position in the quiz", "Int64"),
    _f("question_type", pa.string(), "multiple_choice_question, true_false_question, essay_question ..."),
    _f("question_text", pa.string(), "the question as plain text"),
]
ANSWER = _f("answer_id", pa.string(), "the option's id as text (a New Quiz's: a UUID; NA: no option, as for an essay)")
TOPIC = _f("topic_id", pa.int64(), "Canvas discussion topic id (a group discussion's root topic)")
QUARTILES = [
    _score("min_score", "lowest score (NaN when nobody has one or Canvas omits it)"),
    _score("first_quartile", "25th percentile score"),
    _score("median", "median score"),
    _score("third_quartile", "75th percentile score"),
    _score("max_score", "highest score"),
]
QUARTILE_NAMES = tuple(f.name for f in QUARTILES)
ASSIGNMENT_INFO = [
    ASSIGNMENT,
    _f("title", pa.string(), "assignment title"),
    _f("due_at", UTC_TS, "due date (UTC; NaT when none)"),
    _f("unlock_at", UTC_TS, "unlock date (UTC; NaT when none or not sent)"),
    _f("muted", pa.bool_(), "grades hidden from students", "boolean"),
    _score("points_possible", "points possible (NaN for ungraded work)"),
    _f("non_digital_submission", pa.bool_(), "submitted on paper or in person (NA where not sent)", "boolean"),
    _f("multiple_due_dates", pa.bool_(), "due dates differ by section or student (NA where not sent)", "boolean"),
    _f("module_ids", pa.list_(pa.int64()), "the modules the assignment is in (NA where Canvas omits the key)"),
]
TARDINESS = ("on_time", "late", "missing", "floating")  # Canvas's tardiness breakdown, in display order
DEPARTMENT_STATS = (
    "courses",
    "teachers",
    "students",
    "discussion_topics",
    "media_objects",
    "attachments",
    "assignments",
)

SCHEMAS: dict[str, pa.Schema] = {
    "account": pa.schema(
        [
            ACCOUNT,
            _f("name", pa.string(), "account name"),
            _f("workflow_state", pa.string(), "active or deleted"),
            _f("parent_account_id", pa.int64(), "parent account (NA for a root account)", "Int64"),
            _f("root_account_id", pa.int64(), "root account (NA for a root account)", "Int64"),
            _f("uuid", pa.string(), "Canvas's uuid of the account"),
            _f("default_time_zone", pa.string(), "IANA time zone"),
        ]
    ),
    "external_tools": pa.schema(
        [
            ACCOUNT,
            _f("tool_id", pa.int64(), "external tool id"),
            _f("name", pa.string(), "tool name"),
            _f("domain", pa.string(), "tool domain"),
            _f("url", pa.string(), "launch URL"),
            _f("privacy_level", pa.string(), "anonymous, name_only, email_only or public"),
            _f("placement", pa.string(), "where the tool appears (NA when it has no placement)"),
            _f("enabled", pa.bool_(), "placement enabled", "boolean"),
            _f("text", pa.string(), "the placement's label"),
            _f("placement_url", pa.string(), "the placement's launch URL"),
        ]
    ),
    "data_services": pa.schema(
        [
            ACCOUNT,
            _f("subscription_id", pa.string(), "live-events subscription id"),
            _f("context_type", pa.string(), "root_account, account, course ..."),
            _f("context_id", pa.string(), "the context's id or uuid"),
            _f("event_types", pa.list_(pa.string()), "live events subscribed to"),
            _f("transport_type", pa.string(), "sqs or https"),
            _f("target_url", pa.string(), "where events are sent"),
            _f("format", pa.string(), "live-event or caliper"),
            _f("owner_id", pa.string(), "the subscribing tool or user"),
        ]
    ),
    "courses": pa.schema(
        [
            ACCOUNT,
            _f("term", pa.string(), '"all" or the term id asked for'),
            COURSE,
            _f("name", pa.string(), "course name"),
            _f("course_code", pa.string(), "course code"),
            _f("subaccount_id", pa.int64(), "the (sub)account the course belongs to"),
            _f("term_id", pa.int64(), "enrollment term id", "Int64"),
            _f("workflow_state", pa.string(), "unpublished, available, completed or deleted"),
            _f("start_at", UTC_TS, "when the course starts (UTC; NaT when not set)"),
            _f("end_at", UTC_TS, "when the course ends (UTC; NaT when not set)"),
            _f("time_zone", pa.string(), "the course's IANA time zone, e.g. for plot_page_view_heatmap(tz=...)"),
            _f("sis_course_id", pa.string(), "the student information system's id (NA without SIS rights)"),
            _f("total_students", pa.int64(), "active students (when Canvas sends it)", "Int64"),
        ]
    ),
    "department_activity": pa.schema(
        [
            ACCOUNT,
            TERM,
            DATE,
            _count("views", "page views that day, all courses of the account"),
            _count("participations", "participations that day (0 where Canvas sends only views)"),
        ]
    ),
    "department_categories": pa.schema(
        [
            ACCOUNT,
            TERM,
            _f("category", pa.string(), "one of Canvas's 13 page-view categories"),
            _count("views", "page views in that category"),
        ]
    ),
    "department_grades": pa.schema(
        [
            ACCOUNT,
            TERM,
            _count("score", "current score binned to an integer, 0-100"),
            _count("students", "student-course pairs with that score (0 where Canvas sends null)"),
        ]
    ),
    "department_statistics": pa.schema(
        [
            ACCOUNT,
            TERM,
            _count("courses", "courses"),
            _count("subaccounts", "subaccounts"),
            *(_count(n, n.replace("_", " ")) for n in DEPARTMENT_STATS[1:]),
        ]
    ),
    "subaccount_statistics": pa.schema(
        [
            ACCOUNT,
            TERM,
            _f("subaccount_id", pa.int64(), "the (sub)account of this row; the account itself first"),
            _f("name", pa.string(), "(sub)account name"),
            *(_count(n, n.replace("_", " ") + " (Canvas sends 0 for the last four here)") for n in DEPARTMENT_STATS),
        ]
    ),
    "course_activity": pa.schema(
        [
            COURSE,
            DATE,
            _count("views", "page views that UTC day"),
            _count("participations", "participations that day"),
        ]
    ),
    "course_assignments": pa.schema(
        [
            COURSE,
            *ASSIGNMENT_INFO,
            *QUARTILES,
            *(_score(n, f"fraction of students {n.replace('_', ' ')} (NaN when not sent)") for n in TARDINESS),
            _f("total", pa.int64(), "students counted in the fractions", "Int64"),
        ]
    ),
    "student_summaries": pa.schema(
        [
            COURSE,
            STUDENT,
            _count("page_views", "page views in the course (0 where Canvas sends null)"),
            _count("max_page_views", "most page views of any student"),
            _f("page_views_level", pa.int64(), "engagement level 0-3", "Int64"),
            _count("participations", "participations (0 where Canvas sends null)"),
            _count("max_participations", "most participations of any student"),
            _f("participations_level", pa.int64(), "engagement level 0-3", "Int64"),
            _count("total", "assignments counted"),
            *(_count(n, f"assignments {n.replace('_', ' ')}") for n in TARDINESS),
        ]
    ),
    "page_views": pa.schema(
        [
            COURSE,
            STUDENT,
            _f("hour", UTC_TS, "start of the hour bucket (UTC); midnight UTC for day buckets"),
            _count("views", "page views in the bucket"),
        ]
    ),
    "participations": pa.schema(
        [
            COURSE,
            STUDENT,
            _f("created_at", UTC_TS, "when the student participated (UTC)"),
            _f("url", pa.string(), "what they participated in (may be missing)"),
        ]
    ),
    "student_assignments": pa.schema(
        [
            COURSE,
            STUDENT,
            *ASSIGNMENT_INFO,
            *QUARTILES,
            _f("submitted_at", UTC_TS, "when submitted (NaT when not)"),
            _f("posted_at", UTC_TS, "when the grade was posted (NaT when not)"),
            _score("score", "the student's score (NaN when none)"),
            _f("status", pa.string(), "on_time/late/missing/floating where Canvas sends it"),
            _f(
                "excused",
                pa.bool_(),
                "the teacher excused the student (never late or missing); NA where Canvas omits the key",
                "boolean",
            ),
        ]
    ),
    "communication": pa.schema(
        [
            COURSE,
            STUDENT,
            DATE,
            _count("instructor_messages", "instructor-to-student messages that day"),
            _count("student_messages", "student-to-instructor messages that day"),
        ]
    ),
    "discussion_topics": pa.schema(
        [
            COURSE,
            TOPIC,
            _f("title", pa.string(), "topic title"),
            _f("author_id", pa.int64(), "who posted the topic (NA when anonymous or not sent)", "Int64"),
            _f("posted_at", UTC_TS, "when it was posted (UTC)"),
            _f("last_reply_at", UTC_TS, "latest reply (UTC; NaT when none)"),
            _f("due_at", UTC_TS, "the graded topic's due date (UTC; NaT when ungraded or undated)"),
            _f("assignment_id", pa.int64(), "the graded topic's assignment (NA when ungraded)", "Int64"),
            _score("points_possible", "points of the graded topic (NaN when ungraded)"),
            _f("discussion_type", pa.string(), "threaded, side_comment, ..."),
            _f("is_announcement", pa.bool_(), "an announcement (listed only with announcements=True)"),
            _f("group_category_id", pa.int64(), "group set of a group discussion (NA otherwise)", "Int64"),
            _f("group_topic_ids", pa.list_(pa.int64()), "a group discussion's per-group child topics"),
            _f("group_ids", pa.list_(pa.int64()), "the group of each child topic, in the same order"),
            _f("published", pa.bool_(), "published (NA when not sent)", "boolean"),
            _f("locked", pa.bool_(), "closed for comments (NA when not sent)", "boolean"),
            _f("require_initial_post", pa.bool_(), "students must post before seeing replies", "boolean"),
            _f("anonymous_state", pa.string(), "full_anonymity or partial_anonymity (NA when not anonymous)"),
            _count("reply_count", "discussion_subentry_count as Canvas reports it (0 on a group discussion's root)"),
        ]
    ),
    "discussion_entries": pa.schema(
        [
            COURSE,
            TOPIC,
            _f(
                "group_id",
                pa.int64(),
                "the group whose child topic holds the post (NA outside group discussions)",
                "Int64",
            ),
            _f("entry_id", pa.int64(), "the post's id"),
            _f("parent_id", pa.int64(), "the post it replies to (NA for a top-level post)", "Int64"),
            _f("user_id", pa.int64(), "the author (NA when deleted or anonymous)", "Int64"),
            _f("anonymous_id", pa.string(), "the author's key in an anonymous topic (NA otherwise)"),
            _f("editor_id", pa.int64(), "who last edited it, or who deleted it (NA when never edited)", "Int64"),
            _f("created_at", UTC_TS, "when it was posted (UTC)"),
            _f("updated_at", UTC_TS, "when it was last changed (UTC)"),
            _f("deleted", pa.bool_(), "deleted: the row and its replies stay, author and text are gone"),
            _count("depth", "1 for a top-level post, 2 for a reply to one, ..."),
            _f("message", pa.string(), "the post as plain text (HTML stripped, entities decoded; NA when deleted)"),
            _count("word_count", "words (whitespace-separated) in message; 0 when deleted"),
            _count("rating_count", "likes"),
            _count("rating_sum", "sum of ratings (likes count 1 each)"),
            _f("posted_after_due", pa.bool_(), "posted after the topic's due date (NA when it has none)", "boolean"),
        ]
    ),
    "conversations": pa.schema(
        [
            _f("conversation_id", pa.int64(), "the conversation"),
            _f("message_id", pa.int64(), "the message"),
            _f("author_id", pa.int64(), "who wrote it"),
            _f("created_at", UTC_TS, "when it was sent (UTC)"),
            _f("participant_ids", pa.list_(pa.int64()), "everyone in the conversation"),
            _f("course_id", pa.int64(), "the course the conversation belongs to (NA for another context)", "Int64"),
            _f("subject", pa.string(), "the conversation's subject"),
            _f("generated", pa.bool_(), "written by Canvas, not a person (NA when not sent)", "boolean"),
            _f("body", pa.string(), "the message as plain text"),
            _count("word_count", "words (whitespace-separated) in body"),
        ]
    ),
    "sections": pa.schema(
        [
            COURSE,
            _f("section_id", pa.int64(), "Canvas section id"),
            _f("name", pa.string(), "section name"),
            _f("sis_section_id", pa.string(), "the institution's id for it (NA when none or not visible)"),
            _f("start_at", UTC_TS, "section start, overriding the term's (UTC; NaT when none)"),
            _f("end_at", UTC_TS, "section end (UTC; NaT when none)"),
            _f("total_students", pa.int64(), "students enrolled in it (NA when not sent)", "Int64"),
        ]
    ),
    "enrollments": pa.schema(
        [
            COURSE,
            STUDENT,
            _f("name", pa.string(), "the student's name as Canvas shows it (personal data; NA when not sent)"),
            _f("sortable_name", pa.string(), '"Last, First", for sorting tables (personal data; NA when not sent)'),
            _f("enrollment_id", pa.int64(), "Canvas enrollment id (a student in two sections has two)"),
            _f("section_id", pa.int64(), "the enrollment's section (NA when not sent)", "Int64"),
            _f("role", pa.string(), "StudentEnrollment, or a custom student role's name"),
            _f(
                "enrollment_state",
                pa.string(),
                "active, invited, inactive (dropped by the teacher) or completed (the course or section concluded)",
            ),
            _f("created_at", UTC_TS, "when the student was enrolled (UTC)"),
            _f("last_activity_at", UTC_TS, "the student's last request in the course (UTC; NaT when none)"),
            _f(
                "total_activity_time",
                pa.duration("us"),
                "time between requests counted by Canvas (short gaps only; NaT when not sent)",
            ),
            _score("current_score", "percentage over graded work (NaN without grade rights)"),
            _score("final_score", "percentage with ungraded work as zero (NaN without grade rights)"),
            _f("current_grade", pa.string(), "letter grade of current_score (NA without a scheme or rights)"),
            _f("final_grade", pa.string(), "letter grade of final_score (NA without a scheme or rights)"),
            _score("override_score", "the teacher's final grade override, a percentage (NaN when none is set)"),
            _f("override_grade", pa.string(), "letter grade of the override (NA when none is set)"),
        ]
    ),
    "submissions": pa.schema(
        [
            COURSE,
            STUDENT,
            ASSIGNMENT,
            _f("submission_id", pa.int64(), "Canvas submission id"),
            _f("submitted_at", UTC_TS, "when it was handed in (UTC; NaT when not)"),
            _f("graded_at", UTC_TS, "when it was graded (UTC; NaT when not)"),
            _f("posted_at", UTC_TS, "when the grade was shown to the student (UTC; NaT when held back)"),
            _score("score", "points earned (NaN when ungraded)"),
            _f("grade", pa.string(), "the grade as entered: points, a letter, complete/incomplete (NA when none)"),
            _f("attempt", pa.int64(), "attempt number (NA when never submitted)", "Int64"),
            _f("workflow_state", pa.string(), "submitted, unsubmitted, graded or pending_review"),
            _f(
                "late",
                pa.bool_(),
                "Canvas's own decision: submitted after the due date, no extension (NA when Canvas does not say)",
                "boolean",
            ),
            _f(
                "missing",
                pa.bool_(),
                "Canvas's own decision: not submitted, due date passed (NA when Canvas does not say: older and "
                "some self-hosted instances send no such key)",
                "boolean",
            ),
            _f("excused", pa.bool_(), "excused by the teacher (NA when not sent)", "boolean"),
            _f("late_policy_status", pa.string(), "a teacher's override: late, missing, extended, none (NA: unset)"),
            _f("seconds_late", pa.duration("us"), "how late (0 on time; missing work: time since the due date)"),
            _score("points_deducted", "points the late policy took off (NaN when none)"),
            _f("submission_type", pa.string(), "online_upload, online_text_entry, online_quiz, ... (NA when none)"),
        ]
    ),
    "submission_comments": pa.schema(
        [
            COURSE,
            ASSIGNMENT,
            _f("student_id", pa.int64(), "whose submission the comment is on"),
            _f("comment_id", pa.int64(), "Canvas submission comment id (each copy of a group comment has its own)"),
            _f(
                "author_id",
                pa.int64(),
                "who wrote it (NA when Canvas hides the author: anonymous grading before grades are posted)",
                "Int64",
            ),
            _f(
                "author_role",
                pa.string(),
                f"{ROLE_WORDS}: the author's enrollment type; peer where a peer review ties the author to "
                "this submission (NA: hidden, or no enrollment, as an admin)",
            ),
            _f("created_at", UTC_TS, "when it was written (UTC)"),
            _f("edited_at", UTC_TS, "when its text was last changed (UTC; NaT when never)"),
            _f(
                "attempt",
                pa.int64(),
                "the submission attempt it is on (NA: written before anything was handed in)",
                "Int64",
            ),
            _f("comment", pa.string(), "the text, as written (plain text; empty for a media comment; personal data)"),
            _f("media", pa.bool_(), "an audio or video recording (its text is empty)"),
        ]
    ),
    "staff": pa.schema(
        [
            COURSE,
            _f("user_id", pa.int64(), "Canvas user id of the teacher, assistant, designer or observer"),
            _f("enrollment_id", pa.int64(), "Canvas enrollment id (one per section)"),
            _f("section_id", pa.int64(), "the enrollment's section (NA when not sent)", "Int64"),
            _f("type", pa.string(), f"the enrollment type in one word: {STAFF_WORDS}"),
            _f("role", pa.string(), "the role's name: the type's (TaEnrollment) or a custom one (Grader)"),
            _f("enrollment_state", pa.string(), "active, invited, inactive or completed"),
        ]
    ),
    "peer_reviews": pa.schema(
        [
            COURSE,
            ASSIGNMENT,
            _f("review_id", pa.int64(), "Canvas assessment request id"),
            _f(
                "assessor_id",
                pa.int64(),
                "the reviewer (NA when Canvas hides them: anonymous peer review, read without grade rights)",
                "Int64",
            ),
            _f("reviewee_id", pa.int64(), "whose submission is reviewed"),
            _f("asset_id", pa.int64(), "the reviewed submission's id"),
            _f("asset_type", pa.string(), "what is reviewed: Submission"),
            _f("workflow_state", pa.string(), "assigned (not done yet) or completed"),
            _f(
                "comments",
                pa.int64(),
                "the assessor's own comments on that submission (NA when the assessor is hidden)",
                "Int64",
            ),
        ]
    ),
    "quizzes": pa.schema(
        [
            COURSE,
            QUIZ,
            _f(
                "assignment_id",
                pa.int64(),
                "the quiz's assignment (NA for a practice quiz or an ungraded survey)",
                "Int64",
            ),
            _f("title", pa.string(), "the quiz's title"),
            _f("quiz_type", pa.string(), "assignment, practice_quiz, graded_survey or survey (NA: a New Quiz)"),
            _score("points_possible", "the quiz's points (NaN when Canvas sends none)"),
            _f("question_count", pa.int64(), "questions in the quiz (NA when not sent, as for a New Quiz)", "Int64"),
            _f("due_at", UTC_TS, "when it is due (UTC; NaT for none)"),
            _f("published", pa.bool_(), "published to students", "boolean"),
            _f("engine", pa.string(), "classic (Canvas's Quizzes API) or new (New Quizzes, an LTI tool's assignment)"),
        ]
    ),
    "quiz_options": pa.schema(
        [
            COURSE,
            QUIZ,
            *QUESTION_INFO,
            _score("points_possible", "the question's points"),
            _f("option_position", pa.int64(), "the option's place among the question's (NA: no options)", "Int64"),
            ANSWER,
            _f("answer_text", pa.string(), "the option's text (the exact value of a numerical answer)"),
            _score("weight", "Canvas's weight: 100 for a correct option, 0 otherwise (NaN: New Quizzes have none)"),
            _f("correct", pa.bool_(), "the option is a correct one (weight 100)", "boolean"),
        ]
    ),
    "quiz_items": pa.schema(
        [
            COURSE,
            QUIZ,
            *QUESTION_INFO,
            _f("answered", pa.int64(), "students who answered it (NA: Canvas computes no item analysis)", "Int64"),
            _f("correct", pa.int64(), "students who answered it correctly (NA: none computed)", "Int64"),
            _score("difficulty", "Canvas's difficulty index: correct / answered (NaN: none computed)"),
            _score("point_biserial", "Canvas's point-biserial of the correct answer (uncorrected; NaN: none)"),
            _score("alpha", "Canvas's alpha (NaN up to 15 choice questions; see cf.assessment)"),
            _score("variance", "population variance of the item's points (NaN: none computed)"),
            _score("stdev", "population standard deviation of the item's points"),
            _f("top_correct", pa.int64(), "correct answers in the top 27 % by quiz score", "Int64"),
            _f("middle_correct", pa.int64(), "correct answers in the middle 46 %", "Int64"),
            _f("bottom_correct", pa.int64(), "correct answers in the bottom 27 %", "Int64"),
            _score("points_possible", "the question's points (from the questions endpoint)"),
        ]
    ),
    "quiz_responses": pa.schema(
        [
            COURSE,
            QUIZ,
            QUESTION,
            _f("question_type", pa.string(), "multiple_choice_question, true_false_question ..."),
            STUDENT,
            ANSWER,
            _f(
                "answer_text",
                pa.string(),
                "the option's text; Other for a typed answer matching no option (a New Quiz's: what was typed)",
            ),
            _f("correct", pa.bool_(), "the option chosen is a correct one", "boolean"),
            _score("points", "the student's points on the question by Canvas's rules (NaN where unknown)"),
        ]
    ),
    "page_view_log": pa.schema(
        [
            _f(
                "course_id",
                pa.int64(),
                "the request's course (NA outside one: the dashboard, the profile)",
                "Int64",
            ),
            STUDENT,
            _f("request_id", pa.string(), "Canvas's request id (a UUID): the page view's id"),
            _f("created_at", UTC_TS, "when the request was made (UTC)"),
            _f("url", pa.string(), "the URL requested (personal data: ids of what was opened)"),
            _f("context_type", pa.string(), "Course, User, Group, Account ..."),
            _f("context_id", pa.int64(), "the context's id (NA when Canvas sends none)", "Int64"),
            _f("asset_type", pa.string(), "Assignment, DiscussionTopic, WikiPage, ... (NA for a context page)"),
            _f("asset_id", pa.int64(), "the asset's id (NA when there is no asset)", "Int64"),
            _f("controller", pa.string(), "the Canvas controller that answered"),
            _f("action", pa.string(), "the controller's action"),
            _f("http_method", pa.string(), "get, post, ... as Canvas stores it (lower-case)"),
            _f(
                "interaction_time",
                pa.duration("us"),
                "Canvas's estimate of time on the page (5 s when the page never reported back, at most 10 min)",
            ),
            _f("render_time", pa.duration("us"), "how long Canvas took to answer (NaT when not sent)"),
            _f("participated", pa.bool_(), "the request counted as a participation (a post, a submission)", "boolean"),
            _f("user_request", pa.bool_(), "made by the user, not by the page's scripts (AJAX)", "boolean"),
            _f("user_agent", pa.string(), "the browser or app (personal data)"),
            _f("app_name", pa.string(), "the API client's name (NA for a browser, and in history CSV files)"),
            _f("remote_ip", pa.string(), "the address the request came from (personal data)"),
            _f("real_user_id", pa.int64(), "who made it when an admin or teacher masqueraded (NA otherwise)", "Int64"),
            _f("session_id", pa.string(), "the login session (NA for token requests, and in history CSV files)"),
            _f("source", pa.string(), "list (the last 30 days) or history (the PageView History API)"),
        ]
    ),
    "xapi_statements": pa.schema(
        [
            _f("statement_id", pa.string(), "the statement's id"),
            _f("timestamp", UTC_TS, "when it happened (UTC; NaT when missing or invalid)"),
            _f("stored", UTC_TS, "when the LRS stored it (UTC)"),
            _f("actor_name", pa.string(), "actor.name"),
            _f("actor_mbox", pa.string(), "actor.mbox (mailto: IRI)"),
            _f("actor_account_home_page", pa.string(), "actor.account.homePage"),
            _f("actor_account_name", pa.string(), "actor.account.name (a Canvas user id for Canvas tools)"),
            _f("verb_id", pa.string(), "verb IRI"),
            _f("verb", pa.string(), "verb display text (en-US, else the first language)"),
            _f("object_id", pa.string(), "activity IRI (the page-view URL for Canvas)"),
            _f("object_name", pa.string(), "object.definition.name (en-US, else the first)"),
            _f("object_type", pa.string(), "object.definition.type, else object.objectType"),
            _f("result_duration", pa.duration("ns"), "result.duration (NaT when missing or invalid)"),
            _score("result_score_scaled", "result.score.scaled, -1 to 1"),
            _f("result_success", pa.bool_(), "result.success", "boolean"),
            _f("result_completion", pa.bool_(), "result.completion", "boolean"),
            _f("context_registration", pa.string(), "context.registration"),
            _f("canvas_duration", pa.duration("ns"), "page-view duration Canvas logs: 5 s when absent, at most 5 min"),
        ]
    ),
}


def fingerprint(schema: pa.Schema) -> str:
    """A short hash of names, types and pandas dtypes: changes whenever a frame's layout does."""
    parts = [f"{f.name}:{f.type}:{(f.metadata or {}).get(_PANDAS_DTYPE, b'').decode()}" for f in schema]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _frame_memory_pool() -> pa.MemoryPool:
    """Where frames made from Arrow live: Arrow's jemalloc, giving freed pages straight back.

    A large fan-out makes a frame part by part, then joins and sorts the parts (in Arrow) and
    frees them. Arrow's default pool (mimalloc), its jemalloc as configured (a second's decay)
    and glibc's heap all keep such freed memory for a while, which raised a 10,000-student
    pull's peak by some 40 MB. Only this jemalloc pool's decay is set (Arrow's default pool is
    mimalloc, so nothing else in the process is likely to use it); without jemalloc (Windows,
    some conda builds) the system allocator is used.
    """
    try:
        pa.jemalloc_set_decay_ms(0)  # before the pool's first allocation: it applies to new arenas
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.system_memory_pool()


MEMORY_POOL = _frame_memory_pool()


def to_table(columns: Mapping[str, Any], name: str) -> pa.Table:
    """Build the frame's Arrow table from column arrays (cast to the schema)."""
    schema = SCHEMAS[name]
    arrays = [pa.array(columns[f.name], type=f.type, from_pandas=True, memory_pool=MEMORY_POOL) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Convert a frame's Arrow table to pandas with the documented dtypes."""
    frame = table.to_pandas(memory_pool=MEMORY_POOL)
    for f in table.schema:
        dtype = (f.metadata or {}).get(_PANDAS_DTYPE)
        if dtype:
            frame[f.name] = table.column(f.name).to_pandas(
                types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
            )
            frame[f.name] = frame[f.name].astype(dtype.decode())
    return frame


def empty_frame(name: str) -> pd.DataFrame:
    """A zero-row frame with the right columns and dtypes."""
    return to_frame(SCHEMAS[name].empty_table())
