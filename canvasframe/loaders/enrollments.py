"""Loaders of a course's sections, student enrollments and submissions (what instructor reports are made of)."""

from __future__ import annotations

import pandas as pd

from .._pipeline import Refresh, run
from ..client import Canvas
from ._registry import Ids, course_units, loader

__all__ = ["load_enrollments", "load_sections", "load_submissions"]


@loader("sections", "course_id")
def load_sections(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """A course's sections (one row per course × section), with their number of students.

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> cf.load_sections(canvas.sample_course_id)[["name", "total_students"]]
                     name  total_students
    0  BIOL 101 section 1              18
    1  BIOL 101 section 2              18
    """
    return run("sections", course_units(course_id), canvas, refresh, max_age, progress)


@loader("enrollments", "course_id")
def load_enrollments(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """A course's student enrollments (one row per course × enrollment), with activity and grades.

    Only student enrollments are asked for (``type[]=StudentEnrollment``). Scores and grades
    come only with grade rights: without them they are NaN / NA, never 0.
    ``total_activity_time`` is Canvas's sum of the gaps between a student's requests that are
    short (minutes), so reading or watching without clicking, and the mobile apps, are not in it.

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> enrollments = cf.load_enrollments(canvas.sample_course_id)
    >>> enrollments[["student_id", "total_activity_time", "current_score", "current_grade"]].head(3)
       student_id total_activity_time  current_score current_grade
    0        1005     0 days 11:12:56          89.35            B+
    1        1006     0 days 09:31:35          65.60             D
    2        1007     0 days 01:52:21          75.00             C
    """
    return run("enrollments", course_units(course_id), canvas, refresh, max_age, progress)


@loader("submissions", "course_id")
def load_submissions(
    course_id: Ids,
    *,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every student's submission to every assignment (one row per course × student × assignment).

    From ``students/submissions?student_ids[]=all``, read page by page (each page becomes rows
    as it arrives; a large course's JSON is never held whole). ``late``, ``missing`` and
    ``excused`` are Canvas's own current decisions per submission, extensions and a teacher's
    overrides (``late_policy_status``) included; they can differ from the Analytics tardiness
    (cached for hours, with rules of its own).

    Parameters
    ----------
    {course_id}
    {options}

    Examples
    --------
    {sample}
    >>> submissions = cf.load_submissions(canvas.sample_course_id)
    >>> submissions[["late", "missing", "excused"]].sum()  # tests/test_doc_examples.py derives these from the events
    late       18
    missing    65
    excused     8
    dtype: Int64
    """
    return run("submissions", course_units(course_id), canvas, refresh, max_age, progress)
