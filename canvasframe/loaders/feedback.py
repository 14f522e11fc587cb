"""Loaders of the feedback channels: comments on submissions, a course's staff, and peer reviews."""

from __future__ import annotations

import pandas as pd

from .._pipeline import Refresh, run
from .._provenance import Provenance
from .._roles import author_roles
from ..client import Canvas
from ._registry import Ids, course_units, loader

__all__ = ["load_peer_reviews", "load_staff", "load_submission_comments"]


@loader("submission_comments", "course_id")
def load_submission_comments(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every comment on every student's submission (one row per course × assignment × submission × comment).

    The comments come in the same answer as :func:`load_submissions` (``include[]=submission_comments``
    on ``students/submissions``): loading either caches both, and :func:`load_course` makes the
    call once. Canvas leaves out draft comments (even the token user's own) and, while an
    assignment is graded anonymously and its grades are not posted, names nobody but the token's
    user: ``author_id`` is then NA. A group assignment's comment is copied to every member's
    submission, each copy with an id of its own and nothing linking them: each copy is a row (a
    comment reached each member). The authors' names are never kept.

    ``author_role`` comes from the course's staff (:func:`load_staff`, one listing) and its peer
    reviews (:func:`load_peer_reviews`): both are loaded (and cached) on the way.

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> comments = cf.load_submission_comments(canvas.sample_course_id)
    >>> comments.groupby("author_role", dropna=False).size()  # tests/test_doc_examples.py derives these
    author_role
    peer       40
    student    45
    ta         34
    teacher    42
    NaN        33
    dtype: int64
    """
    units = course_units(course_id)
    comments = run("submission_comments", units, canvas, refresh, max_age, progress)
    staff = load_staff(course_id, canvas=canvas, refresh=refresh, max_age=max_age, progress=progress)
    reviews = load_peer_reviews(course_id, canvas=canvas, refresh=refresh, max_age=max_age, progress=progress)
    # Cached by the comments' own call a moment ago: the same answer made both frames.
    students = run("submissions", units, canvas, False, None, progress)
    provenance = Provenance.merged("submission_comments", [Provenance.of(f) for f in (comments, staff, reviews)])
    result = comments.assign(author_role=author_roles(comments, staff, reviews, students))
    return provenance.attach(result)


@loader("staff", "course_id")
def load_staff(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """A course's teachers, teaching assistants, designers and observers (one row per course × enrollment).

    ``type`` is the enrollment type in one word, what roles are read from: a role's name may be
    custom (a "Grader" role of type ``TaEnrollment``), its type never is. Admins have no
    enrollment and are not listed.

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_staff(canvas.sample_course_id)[["type", "role"]]
           type                role
    0   teacher   TeacherEnrollment
    1        ta              Grader
    2  designer  DesignerEnrollment
    """
    return run("staff", course_units(course_id), canvas, refresh, max_age, progress)


@loader("peer_reviews", "course_id")
def load_peer_reviews(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every peer review of a course (one row per course × assignment × review).

    One request lists the course's assignments, then one per assignment with peer reviews (each
    answer whole, not paginated), concurrently under the session's governor. Canvas sends no
    time for a review: ``workflow_state`` says only whether it is done. ``comments`` counts the
    assessor's own comments on the reviewed submission; Canvas's answer carries every comment on
    it, the teacher's drafts included, and those are never counted or kept. An instructor's
    token sees the assessor even where reviews are anonymous to students.

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> reviews = cf.load_peer_reviews(canvas.sample_course_id)
    >>> reviews.groupby("assignment_id")["workflow_state"].value_counts().unstack(fill_value=0)
    workflow_state  assigned  completed
    assignment_id
    1080                  11         27
    1084                  50          0
    """
    return run("peer_reviews", course_units(course_id), canvas, refresh, max_age, progress)
