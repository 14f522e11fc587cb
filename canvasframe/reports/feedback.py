"""Feedback on submitted work: how much of it gets an instructor's comment, and how soon."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from .._frames import require
from .._roles import INSTRUCTOR_ROLES
from ..errors import ConfigError
from ._common import with_sources

_SUBMISSIONS = ("course_id", "student_id", "assignment_id", "submitted_at", "graded_at", "attempt")
_COMMENTS = ("course_id", "student_id", "assignment_id", "author_id", "author_role", "created_at", "attempt")
_KEYS = ["course_id", "assignment_id", "student_id"]


def _handed_in_with_feedback(submissions: pd.DataFrame, comments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each handed-in submission, with its first instructor comment on that attempt (who and when) and
    how many instructor comments it got; and those comments."""
    handed = submissions.loc[submissions["submitted_at"].notna(), [*_KEYS, "submitted_at", "graded_at", "attempt"]]
    said = comments[comments["author_role"].isin(INSTRUCTOR_ROLES)]  # a hidden author (NA) is no instructor
    # The listing's submitted_at is the latest attempt's: a comment on an earlier attempt is not this one's feedback.
    said = said.merge(handed[[*_KEYS, "attempt"]], on=[*_KEYS, "attempt"])  # pragma: no mutate (the columns shared)
    said = said.sort_values([*_KEYS, "created_at"], kind="stable")  # pragma: no mutate (several keys: always stable)
    first = said.drop_duplicates(_KEYS)[[*_KEYS, "author_id", "created_at"]]
    first = first.rename(columns={"author_id": "instructor_id", "created_at": "first_feedback_at"})
    counts = said.groupby(_KEYS).size().rename("instructor_comments").reset_index()
    rows = handed.merge(first, on=_KEYS, how="left").merge(counts, on=_KEYS, how="left")
    # No mutant of the next line can show: the report's sums skip NA, so a count left NA sums as this 0 does.
    rows["instructor_comments"] = rows["instructor_comments"].fillna(0).astype("int64")  # pragma: no mutate
    rows["feedback_time"] = rows["first_feedback_at"] - rows["submitted_at"]
    rows["grading_time"] = rows["graded_at"] - rows["submitted_at"]
    return rows, said


def feedback_summary(
    submissions: pd.DataFrame,
    comments: pd.DataFrame,
    *,
    by: Literal["assignment", "instructor"] = "assignment",
) -> pd.DataFrame:
    """How much handed-in work gets an instructor's comment, and how soon: per assignment or per instructor.

    An instructor is a teacher or teaching assistant (``author_role``). A submission has feedback
    when an instructor commented on its latest attempt (the one ``submitted_at`` is of); the
    *feedback time* runs from handing in to that first comment, the *grading time* to
    ``graded_at``. Work never handed in is not counted (nothing to comment on). A comment whose
    author Canvas hides (anonymous grading before grades are posted) cannot be credited to an
    instructor, so such an assignment shows no feedback until its grades are posted.

    Parameters
    ----------
    submissions : DataFrame
        From ``load_submissions``.
    comments : DataFrame
        From ``load_submission_comments`` (its roles say who is an instructor).
    by : {"assignment", "instructor"}
        ``assignment``: one row per course × assignment. ``instructor``: one row per course ×
        instructor, crediting each submission to the instructor who commented on it first.

    Returns
    -------
    DataFrame
        By assignment: ``course_id``, ``assignment_id``, ``handed_in``, ``with_feedback``,
        ``feedback_share``, ``median_feedback_time``, ``median_grading_time`` and
        ``comments_per_student`` (instructor comments over the students who handed in).
        By instructor: ``course_id``, ``instructor_id``, ``submissions`` (first to comment on),
        ``students`` (of those), ``comments`` (their own, on any handed-in work), and the
        ``median_feedback_time`` and ``median_grading_time`` of the submissions credited to them.
        ``attrs["no_feedback"]``: the students who handed in work and got no instructor comment
        on any of it all term (sorted ids).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> summary = cf.reports.feedback_summary(cf.load_submissions(course), cf.load_submission_comments(course))
    >>> summary[["handed_in", "with_feedback"]].sum()  # tests/test_feedback.py derives these from the events
    handed_in        160
    with_feedback     58
    dtype: int64
    """
    require(submissions, _SUBMISSIONS, "feedback_summary", "load_submissions")
    require(comments, _COMMENTS, "feedback_summary", "load_submission_comments")
    if by not in ("assignment", "instructor"):
        raise ConfigError(f'feedback_summary: by must be "assignment" or "instructor", got {by!r}.')
    rows, said = _handed_in_with_feedback(submissions, comments)
    if by == "assignment":
        grouped = rows.groupby(["course_id", "assignment_id"])
        report = grouped.agg(
            handed_in=("student_id", "size"),
            with_feedback=("instructor_id", "count"),
            median_feedback_time=("feedback_time", "median"),
            median_grading_time=("grading_time", "median"),
            comments=("instructor_comments", "sum"),
        ).reset_index()
        report["with_feedback"] = report["with_feedback"].astype("int64")
        report["feedback_share"] = report["with_feedback"] / report["handed_in"]
        report["comments_per_student"] = report.pop("comments") / report["handed_in"]
        columns = ["course_id", "assignment_id", "handed_in", "with_feedback", "feedback_share",
                   "median_feedback_time", "median_grading_time", "comments_per_student"]  # fmt: skip
    else:
        credited = rows[rows["instructor_id"].notna()].astype({"instructor_id": "int64"})
        grouped = credited.groupby(["course_id", "instructor_id"])
        report = grouped.agg(
            submissions=("student_id", "size"),
            students=("student_id", "nunique"),
            median_feedback_time=("feedback_time", "median"),
            median_grading_time=("grading_time", "median"),
        ).reset_index()
        own = said.groupby(["course_id", "author_id"]).size().rename("comments").reset_index()
        own = own.rename(columns={"author_id": "instructor_id"}).astype({"instructor_id": "int64"})
        # No mutant of the next line can show: every credited instructor has comments in `own`; the columns are shared.
        report = report.merge(own, on=["course_id", "instructor_id"], how="left")  # pragma: no mutate
        columns = ["course_id", "instructor_id", "submissions", "students", "comments",
                   "median_feedback_time", "median_grading_time"]  # fmt: skip
    report = report[columns].reset_index(drop=True)
    reached = rows.groupby("student_id")["instructor_id"].count()
    report.attrs["no_feedback"] = sorted(int(s) for s in reached[reached == 0].index)
    return with_sources(report, "feedback_summary", submissions=submissions, comments=comments)
