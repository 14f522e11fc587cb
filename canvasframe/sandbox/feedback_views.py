"""Staff enrollments, assignments, submission comments and peer reviews in Canvas's real shapes.

Read in canvas-lms: ``lib/api/v1/submission_comment.rb`` (``submission_comment_json``: ``id,
author_id, author_name, created_at, edited_at, comment, attempt``, ``media_comment`` only for a
recording, and ``author_id: null`` / "Anonymous User" when the reader may not know the author),
``app/models/submission_comment.rb`` (``can_read_author?``: while an assignment anonymizes its
students, nobody but the author), ``lib/api/v1/assessment_request.rb`` (a review's ``id, user_id,
assessor_id, asset_id, asset_type, workflow_state``; ``assessor_id`` left out only for a reader who
cannot grade an anonymously reviewed assignment; ``include[]=submission_comments`` gives every
comment on the reviewed submission) and ``lib/api/v1/assignment.rb`` (the assignment fields).
"""

from __future__ import annotations

from .feedback import Comment, Feedback, Review, StaffMember
from .model import Assignment, Course
from .quizzes import Quiz
from .views import iso

__all__ = [
    "assignment_json",
    "comment_json",
    "hides_authors",
    "review_json",
    "reviews_json",
    "staff_json",
    "with_comments",
]


def hides_authors(a: Assignment) -> bool:
    """Canvas's ``anonymize_students?``: graded anonymously and its grades not posted yet."""
    return a.anonymous_grading and a.muted


def comment_json(c: Comment, reader_id: int, anonymous: bool, site: str) -> dict:
    """One comment as ``reader_id`` reads it (``anonymous``: the assignment hides its authors)."""
    row: dict = {
        "id": c.id,
        "author_id": c.author_id,
        "author_name": c.author_name,
        "created_at": iso(c.created_at),
        "edited_at": iso(c.edited_at),
        "comment": c.text,
        "attempt": c.attempt,
    }
    if c.media:
        media_id = f"m-{c.id}"
        row["media_comment"] = {
            "content-type": "video/mp4",
            "display_name": None,
            "media_id": media_id,
            "media_type": "video",
            "url": f"{site}/users/{c.author_id}/media_download?entryId={media_id}&type=mp4",
        }
    if anonymous and c.author_id != reader_id:
        row |= {"author": {}, "author_id": None, "author_name": "Anonymous User"}
    else:
        row["author"] = {"id": c.author_id, "display_name": c.author_name}
    return row


def staff_json(member: StaffMember, course: Course, site: str) -> dict:
    """A teacher's, assistant's or designer's enrollment (no grades)."""
    return {
        "id": member.enrollment_id,
        "user_id": member.user_id,
        "course_id": course.id,
        "course_section_id": None,
        "root_account_id": course.account_id,
        "type": member.type,
        "role": member.role,
        "enrollment_state": "active",
        "created_at": None,
        "last_activity_at": None,
        "total_activity_time": None,
        "html_url": f"{site}/courses/{course.id}/users/{member.user_id}",
        "user": {"id": member.user_id, "name": member.name, "sortable_name": member.name, "short_name": member.name},
    }


def assignment_json(
    a: Assignment, position: int, course: Course, group_category_id: int | None, site: str, quiz: Quiz | None = None
) -> dict:
    """One assignment as ``GET /courses/:id/assignments`` lists it (the fields a reviewer of the list reads).

    A quiz's assignment says so as lib/api/v1/assignment.rb does: a classic quiz's has
    ``submission_types: ["online_quiz"]``, ``quiz_id`` and ``is_quiz_assignment``; a New Quiz's
    is an external tool's, with ``is_quiz_lti_assignment`` (sent only when true).
    """
    if quiz is not None and quiz.engine == "new":
        tool = {"url": f"{site}/lti/quizzes/launch", "new_tab": False}
        kind: dict = {"submission_types": ["external_tool"], "is_quiz_assignment": False,
                      "is_quiz_lti_assignment": True, "external_tool_tag_attributes": tool}  # fmt: skip
    elif quiz is not None:
        kind = {"submission_types": ["online_quiz"], "quiz_id": quiz.id, "is_quiz_assignment": True}
    else:
        kind = {"submission_types": ["on_paper"] if a.non_digital_submission else ["online_upload"],
                "is_quiz_assignment": False}  # fmt: skip
    return {
        "id": a.id,
        "name": a.title,
        "course_id": course.id,
        "position": position,
        "due_at": iso(a.due_at),
        "unlock_at": iso(a.unlock_at),
        "points_possible": a.points_possible,
        "published": True,
        "muted": a.muted,
        **kind,
        "peer_reviews": a.peer_reviews,
        "anonymous_peer_reviews": a.anonymous_peer_reviews,
        "automatic_peer_reviews": a.peer_reviews,
        **({"peer_review_count": 2} if a.peer_reviews else {}),
        "anonymous_grading": a.anonymous_grading,
        "group_category_id": group_category_id,
        "grade_group_students_individually": False,
        "html_url": f"{site}/courses/{course.id}/assignments/{a.id}",
    }


def review_json(r: Review, comments: list[dict] | None) -> dict:
    """One assessment request (an instructor's view: the assessor is named even when reviews are anonymous)."""
    row: dict = {
        "id": r.id,
        "user_id": r.reviewee_id,
        "assessor_id": r.assessor_id,
        "asset_id": r.asset_id,
        "asset_type": "Submission",
        "workflow_state": r.workflow_state,
    }
    if comments is not None:
        row["submission_comments"] = comments
    return row


def with_comments(rows: list[dict], course: Course, feedback: Feedback, reader_id: int, site: str) -> list[dict]:
    """Submissions listing rows with ``submission_comments`` (never a draft), as ``reader_id`` reads them."""
    hidden = {a.id for a in course.assignments if hides_authors(a)}
    return [
        row
        | {
            "submission_comments": [
                comment_json(c, reader_id, row["assignment_id"] in hidden, site)
                for c in feedback.on(row["id"], drafts=False)
            ]
        }
        for row in rows
    ]


def reviews_json(a: Assignment, feedback: Feedback, reader_id: int, site: str, *, comments: bool) -> list[dict]:
    """An assignment's peer reviews; with ``comments``, every comment on each reviewed submission, drafts too."""
    anonymous = hides_authors(a)
    return [
        review_json(
            r,
            [comment_json(c, reader_id, anonymous, site) for c in feedback.on(r.asset_id, drafts=True)]
            if comments
            else None,
        )
        for r in feedback.reviews
        if r.assignment_id == a.id
    ]
