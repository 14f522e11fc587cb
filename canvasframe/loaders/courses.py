"""Loaders of Canvas's course-level and per-student Analytics."""

from __future__ import annotations

import pandas as pd

from .._pipeline import Refresh, run
from ..client import Canvas
from ._registry import Ids, course_units, loader, student_units

__all__ = [
    "load_communication",
    "load_course_activity",
    "load_course_assignments",
    "load_page_views",
    "load_participations",
    "load_student_assignments",
    "load_student_summaries",
]


@loader("course_activity", "course_id")
def load_course_activity(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Daily page views and participations of a course (one row per course × UTC day, sorted).

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> activity = cf.load_course_activity(canvas.sample_course_id)
    >>> activity.set_index("date")[["views", "participations"]].resample("W").sum().head(3)
                views  participations
    date
    2026-09-06   1689             168
    2026-09-13   1402             157
    2026-09-20   1366             164
    """
    return run("course_activity", course_units(course_id), canvas, refresh, max_age, progress)


@loader("course_assignments", "course_id")
def load_course_assignments(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Assignments with score quartiles and tardiness fractions (one row per course × assignment, by due date).

    Canvas may answer with a background job first; the loader waits for it (``poll_timeout``).

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> assignments = cf.load_course_assignments(canvas.sample_course_id)
    >>> assignments[["title", "median", "on_time", "late", "missing"]].head(3).round(2)
                    title  median  on_time  late  missing
    0  Reading response 1    16.0     0.47  0.06     0.42
    1            Survey 3     NaN     0.58  0.14     0.28
    2        Lab report 4     8.0     0.58  0.17     0.19
    """
    return run("course_assignments", course_units(course_id), canvas, refresh, max_age, progress)


@loader("student_summaries", "course_id")
def load_student_summaries(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Per-student page views, participations, levels and tardiness counts (one row per course × student).

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> summaries = cf.load_student_summaries(canvas.sample_course_id)
    >>> summaries[["student_id", "page_views", "participations", "missing"]].head(3)
       student_id  page_views  participations  missing
    0        1005         964             101        0
    1        1006         804              77        2
    2        1007         346              37        4
    """
    return run("student_summaries", course_units(course_id), canvas, refresh, max_age, progress)


@loader("page_views", "course_id")
def load_page_views(
    course_id: Ids,
    student_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Hourly page views per student, in UTC (one row per course × student × hour).

    Parameters
    ----------
    {course_id}
    {student_id}
    {options}

    Examples
    --------
    {sample}
    >>> views = cf.load_page_views(canvas.sample_course_id)
    >>> views.head(3)
       course_id  student_id                      hour  views
    0       1078        1005 2026-08-31 00:00:00+00:00      1
    1       1078        1005 2026-08-31 13:00:00+00:00      1
    2       1078        1005 2026-08-31 14:00:00+00:00      1
    """
    return run("page_views", student_units(course_id, student_id), canvas, refresh, max_age, progress)


@loader("participations", "course_id")
def load_participations(
    course_id: Ids,
    student_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every participation event per student (one row per course × student × event).

    Parameters
    ----------
    {course_id}
    {student_id}
    {options}

    Examples
    --------
    {sample}
    >>> participations = cf.load_participations(canvas.sample_course_id)
    >>> participations.groupby("student_id").size().describe()[["count", "min", "max"]]
    count     36.0
    min       23.0
    max      114.0
    dtype: float64
    """
    return run("participations", student_units(course_id, student_id), canvas, refresh, max_age, progress)


@loader("student_assignments", "course_id")
def load_student_assignments(
    course_id: Ids,
    student_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Each student's submission and score with the class quartiles (one row per course × student × assignment).

    Parameters
    ----------
    {course_id}
    {student_id}
    {options}

    Examples
    --------
    {sample}
    >>> student = int(cf.load_student_summaries(canvas.sample_course_id).student_id.min())
    >>> mine = cf.load_student_assignments(canvas.sample_course_id, student)
    >>> mine[["title", "score", "median", "status"]].head(3)
                    title  score  median   status
    0  Reading response 1   17.5    16.0  on_time
    1            Survey 3    NaN     NaN  on_time
    2        Lab report 4    8.5     8.0  on_time
    """
    return run("student_assignments", student_units(course_id, student_id), canvas, refresh, max_age, progress)


@loader("communication", "course_id")
def load_communication(
    course_id: Ids,
    student_id: Ids | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Instructor and student message counts per day (one row per course × student × date).

    Parameters
    ----------
    {course_id}
    {student_id}
    {options}

    Examples
    --------
    {sample}
    >>> messages = cf.load_communication(canvas.sample_course_id)
    >>> messages[["instructor_messages", "student_messages"]].sum()
    instructor_messages    164
    student_messages       164
    dtype: int64
    """
    return run("communication", student_units(course_id, student_id), canvas, refresh, max_age, progress)
