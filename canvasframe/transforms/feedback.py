"""Submission comments, a course's staff and peer reviews -> frames.

Read in canvas-lms (``lib/api/v1/submission_comment.rb``, ``lib/api/v1/assessment_request.rb``):
a comment is ``id, author_id, author_name, created_at, edited_at, comment, attempt`` and, for a
recording, ``media_comment`` (its ``comment`` is then ``""``); ``author_id`` is null where the
reader may not know the author. The author's name is never kept: it is personal data, and the
id says who wrote it. A peer review is ``id, user_id`` (the reviewee), ``assessor_id`` (left out
for a reader who may not know it), ``asset_id``, ``asset_type`` and ``workflow_state``; its
``submission_comments`` are every comment on the reviewed submission, drafts and other people's
included, so only the assessor's own are counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..endpoints import ENROLLMENT_TYPES
from ._coerce import as_bool, as_id, as_int, as_str, bad, build, column, constant, records, utc_timestamps

__all__ = [
    "PEER_REVIEWS_ORDER",
    "SUBMISSION_COMMENTS_ORDER",
    "peer_reviews",
    "reviewed_assignment_ids",
    "staff",
    "submission_comments",
]

SUBMISSION_COMMENTS_ORDER = ("course_id", "assignment_id", "student_id", "created_at", "comment_id")
PEER_REVIEWS_ORDER = ("course_id", "assignment_id", "reviewee_id", "review_id")
ReviewPayloads = Iterable[tuple[int, Any]]  # (assignment id, the peer_reviews answer)


def _comments_of(row: dict, source: str) -> list[dict]:
    return records(row.get("submission_comments") or [], source, "'submission_comments' as a list of objects")


def submission_comments(payload: Any, *, course_id: int, source: str = "submissions") -> pd.DataFrame:
    """One page of ``students/submissions?include[]=submission_comments`` -> one row per comment.

    ``author_role`` is ``student`` where the owner of the submission wrote it and NA otherwise:
    the other roles need the course's staff and peer reviews (``load_submission_comments`` adds them).
    """
    owners, assignments, comments = [], [], []
    for row in records(payload, source):
        listed = _comments_of(row, source)
        if listed:
            owner = as_id(row.get("user_id"), "user_id", source)
            assignment = as_id(row.get("assignment_id"), "assignment_id", source)
            owners += [owner] * len(listed)
            assignments += [assignment] * len(listed)
            comments += listed
    authors = [as_int(c.get("author_id"), "submission_comments[].author_id", source, default=None) for c in comments]
    media = [c.get("media_comment") is not None for c in comments]
    columns = {
        "course_id": constant(course_id, len(comments)),
        "assignment_id": assignments,
        "student_id": owners,
        "comment_id": [as_id(c.get("id"), "submission_comments[].id", source) for c in comments],
        "author_id": authors,
        "author_role": ["student" if a == o else None for a, o in zip(authors, owners, strict=True)],
        "created_at": utc_timestamps([c.get("created_at") for c in comments], "created_at", source),
        "edited_at": utc_timestamps([c.get("edited_at") for c in comments], "edited_at", source),
        "attempt": column(comments, "attempt", as_int, source, default=None),
        "comment": [as_str(c.get("comment"), "submission_comments[].comment", source) or "" for c in comments],
        "media": media,
    }
    return build("submission_comments", columns, SUBMISSION_COMMENTS_ORDER)


def staff(payload: Any, *, course_id: int, source: str = "enrollments") -> pd.DataFrame:
    """``GET /courses/:id/enrollments?type[]=TeacherEnrollment&...`` -> one row per staff enrollment."""
    rows = records(payload, source)
    types = column(rows, "type", as_str, source)
    unknown = sorted({t for t in types if t not in ENROLLMENT_TYPES}, key=str)
    if unknown:
        raise bad(source, f"'type' is {unknown[0]!r}, expected one of {list(ENROLLMENT_TYPES)}", unknown[0])
    columns = {
        "course_id": constant(course_id, len(rows)),
        "user_id": [as_id(r.get("user_id"), "user_id", source) for r in rows],
        "enrollment_id": [as_id(r.get("id"), "id", source) for r in rows],
        "section_id": column(rows, "course_section_id", as_int, source, default=None),
        "type": [ENROLLMENT_TYPES[str(t)] for t in types],
        "role": column(rows, "role", as_str, source),
        "enrollment_state": column(rows, "enrollment_state", as_str, source),
    }
    return build("staff", columns, ["course_id", "user_id", "enrollment_id"])


def reviewed_assignment_ids(payload: Any, *, source: str = "assignments") -> list[int]:
    """``GET /courses/:id/assignments`` -> the ids of the assignments with peer reviews, each once, as listed."""
    rows = records(payload, source)
    return list(
        dict.fromkeys(
            as_id(r.get("id"), "id", source) for r in rows if as_bool(r.get("peer_reviews"), "peer_reviews", source)
        )
    )


def peer_reviews(payloads: ReviewPayloads, *, course_id: int, source: str = "peer reviews") -> pd.DataFrame:
    """``GET .../assignments/:id/peer_reviews?include[]=submission_comments`` answers -> one row per review."""
    assignments, reviews = [], []
    for assignment_id, payload in payloads:
        listed = records(payload, source)
        assignments += [assignment_id] * len(listed)
        reviews += listed
    assessors = [as_int(r.get("assessor_id"), "assessor_id", source, default=None) for r in reviews]
    counts = []
    for review, assessor in zip(reviews, assessors, strict=True):
        authors = [
            as_int(c.get("author_id"), "submission_comments[].author_id", source, default=None)
            for c in _comments_of(review, source)
        ]
        counts.append(None if assessor is None else sum(a == assessor for a in authors))
    columns = {
        "course_id": constant(course_id, len(reviews)),
        "assignment_id": assignments,
        "review_id": [as_id(r.get("id"), "id", source) for r in reviews],
        "assessor_id": assessors,
        "reviewee_id": [as_id(r.get("user_id"), "user_id", source) for r in reviews],
        "asset_id": [as_id(r.get("asset_id"), "asset_id", source) for r in reviews],
        "asset_type": column(reviews, "asset_type", as_str, source),
        "workflow_state": column(reviews, "workflow_state", as_str, source),
        "comments": counts,
    }
    return build("peer_reviews", columns, PEER_REVIEWS_ORDER)
