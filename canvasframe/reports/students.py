"""The student table and the missing / late / excused report, from each submission's own flags."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._frames import require
from ._common import as_of_time, with_sources

_SUBMISSION_COLUMNS = ["student_id", "assignment_id", "submitted_at", "late", "missing", "excused"]


def _status_counts(submissions: pd.DataFrame) -> pd.DataFrame:
    """Per student, from each submission's own flags: on time, late, missing, excused."""
    excused = submissions["excused"].fillna(False).astype(bool)
    late = submissions["late"].astype(bool) & ~excused
    missing = submissions["missing"].astype(bool) & ~excused
    on_time = submissions["submitted_at"].notna() & ~late & ~excused
    flags = pd.DataFrame({"on_time": on_time, "late": late, "missing": missing, "excused": excused})
    return flags.groupby(submissions["student_id"].astype("int64").rename("student_id")).sum().astype("int64")


def student_table(
    enrollments: pd.DataFrame,
    submissions: pd.DataFrame,
    summaries: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
) -> pd.DataFrame:
    """One row per student, as the instructor's table in New Analytics, every number explained.

    Parameters
    ----------
    enrollments : DataFrame
        From ``load_enrollments``: section, scores, last activity, total activity time.
    submissions : DataFrame
        From ``load_submissions``: the on time / late / missing / excused counts.
    summaries : DataFrame, optional
        From ``load_student_summaries``: page views, participations, their levels, and the
        Analytics tardiness (``analytics_late``, ``analytics_missing``) beside Canvas's flags.
    as_of : timestamp, optional
        "Now" for ``days_since_activity`` (default: when ``enrollments`` was fetched, else now).

    Returns
    -------
    DataFrame
        ``student_id``, ``section_id``, ``current_score``, ``final_score``, ``current_grade``;
        ``on_time``, ``late``, ``missing``, ``excused`` (counts of assignments, from each
        submission's flags; excused work is only excused); ``last_activity_at``,
        ``days_since_activity`` (whole days to ``as_of``; NA when never active),
        ``total_activity_time``; with ``summaries``: ``page_views``, ``participations``,
        ``page_views_level``, ``participations_level``, ``analytics_late``, ``analytics_missing``.
        Sorted by student; filter and sort it like any frame.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> table = student_table(cf.load_enrollments(course), cf.load_submissions(course),
    ...                       cf.load_student_summaries(course))
    >>> int((table["missing"] >= 2).sum()) > 0
    True
    """
    require(enrollments, ["student_id", "section_id", "current_score", "last_activity_at"], "student_table",
            "load_enrollments")  # fmt: skip
    require(submissions, _SUBMISSION_COLUMNS, "student_table", "load_submissions")
    people = enrollments.sort_values("student_id").drop_duplicates("student_id")  # two sections: one row
    table = people[["student_id", "section_id", "current_score", "final_score", "current_grade"]].reset_index(drop=True)
    counts = _status_counts(submissions).reindex(table["student_id"], fill_value=0)
    for name in ("on_time", "late", "missing", "excused"):
        table[name] = counts[name].to_numpy()
    now = as_of_time(as_of, enrollments)
    # As a UTC column whatever it holds: a term's first day has no activity at all, and an all-NaT
    # column (or a frame built by hand) must not turn naive.
    table["last_activity_at"] = pd.to_datetime(people["last_activity_at"].reset_index(drop=True), utc=True)
    table["days_since_activity"] = ((now - table["last_activity_at"]).dt.days).astype("Int64")
    table["total_activity_time"] = people["total_activity_time"].to_numpy()
    if summaries is not None:
        require(summaries, ["student_id", "page_views", "participations", "late", "missing"], "student_table",
                "load_student_summaries")  # fmt: skip
        extra = summaries.set_index("student_id").reindex(table["student_id"])
        for name in ("page_views", "participations"):
            table[name] = extra[name].fillna(0).astype("int64").to_numpy()
        for name in ("page_views_level", "participations_level"):
            table[name] = extra[name].astype("Int64").to_numpy()
        table["analytics_late"] = extra["late"].astype("Int64").to_numpy()
        table["analytics_missing"] = extra["missing"].astype("Int64").to_numpy()
    return with_sources(table, "student_table", enrollments=enrollments, submissions=submissions, summaries=summaries)


def missing_late_excused(submissions: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """One row per student × assignment that is missing, late or excused (Canvas's own flags).

    Parameters
    ----------
    submissions : DataFrame
        From ``load_submissions``.
    assignments : DataFrame
        From ``load_course_assignments``: titles, due dates and points.

    Returns
    -------
    DataFrame
        ``student_id``, ``assignment_id``, ``title``, ``status`` (``missing``, ``late`` or
        ``excused``; excused wins over the others), ``due_at``, ``submitted_at``,
        ``seconds_late`` (how late: for missing work, time since the due date, as Canvas
        counts it), ``score`` and ``points_possible``; sorted by student, then due date.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> course = canvas.sample_course_id
    >>> report = missing_late_excused(cf.load_submissions(course), cf.load_course_assignments(course))
    >>> sorted(report["status"].unique())
    ['excused', 'late', 'missing']
    """
    require(submissions, [*_SUBMISSION_COLUMNS, "seconds_late", "score"], "missing_late_excused", "load_submissions")
    require(assignments, ["assignment_id", "title", "due_at", "points_possible"], "missing_late_excused",
            "load_course_assignments")  # fmt: skip
    excused = submissions["excused"].fillna(False).astype(bool)
    status = pd.Series(pd.NA, index=submissions.index, dtype="str")
    status[submissions["missing"].astype(bool)] = "missing"
    status[submissions["late"].astype(bool)] = "late"
    status[excused] = "excused"
    chosen = submissions[status.notna()].assign(status=status[status.notna()])
    info = assignments[["assignment_id", "title", "due_at", "points_possible"]].drop_duplicates("assignment_id")
    report = chosen.merge(info, on="assignment_id", how="left")
    columns = ["student_id", "assignment_id", "title", "status", "due_at", "submitted_at", "seconds_late", "score",
               "points_possible"]  # fmt: skip
    report = report[columns].sort_values(["student_id", "due_at", "assignment_id"], ignore_index=True)
    return with_sources(report, "missing_late_excused", submissions=submissions, assignments=assignments)
