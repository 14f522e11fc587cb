"""The loader of the request-level page-view log (the clickstream)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .._page_view_log import load_log
from .._pipeline import LoadOptions, Refresh, check_ids, students_of
from .._time import as_utc
from ..client import Canvas
from ..errors import ConfigError
from ._registry import Ids, loader

__all__ = ["load_page_view_log"]


def _moment(value: Any, name: str) -> datetime | None:
    return None if value is None else as_utc(value, name).to_pydatetime()


@loader("page_view_log", "course_id", per_student=True)
def load_page_view_log(
    course_id: Ids,
    *,
    start: Any = None,
    end: Any = None,
    student_id: Ids | None = None,
    only_course: bool = True,
    canvas: Canvas | None = None,
    refresh: Refresh = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every request each student made: Canvas's raw page views (one row per course × student × request).

    The students are the course's (every student of ``load_student_summaries``, or
    ``student_id``). Canvas keeps a user's page views, not a course's: each student's log is
    read whole and the course's rows kept. Two routes serve it, and the loader picks them:

    - the **History API** (up to twelve months back, whole months before the current one,
      asynchronous): **one query per student spanning every month not yet cached**, since a
      query costs the same for one month or twelve;
    - the **list** (``users/:id/page_views``, the last 30 days only) for the current month, at
      193 rows a page, the cheapest per row.

    A past month never changes: each (student, month) is cached once and never asked again,
    even with ``refresh=True``, which refetches only the current month; widening ``start``
    asks only for the months added. What neither route can serve (older than twelve months;
    on the 31st, the part of the current month older than 30 days) is left out with a
    warning and listed in ``attrs["page_view_log_gaps"]``. The ``source`` column says which
    route served each row. A request Canvas sent twice (its page-view data is best-effort) is
    kept once, with a warning that counts them.

    Parameters
    ----------
    {course_id}
    start : timestamp, optional
        The range's first moment (included); naive means UTC. Default: as far back as Canvas
        keeps (twelve months before the current month).
    end : timestamp, optional
        The range's end (excluded); naive means UTC. Default: now.
    student_id : int or sequence of int, optional
        Only these students of the course.
    only_course : bool
        Keep the course's rows (default); False keeps each student's whole log (other
        courses, the dashboard, the profile), each request once, with ``course_id`` the
        request's course where it has one.
    {options}

    Raises
    ------
    PermissionDenied
        The token may not read a student's page views (Canvas answers 403, or 401 on some
        instances); the message names the student and the months.
    ServerError
        A history query failed or did not finish within the session's ``poll_timeout``.

    Examples
    --------
    {sample}
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=1005)
    >>> sorted(log["source"].unique())  # the current month from the list, older months from the history API
    ['history', 'list']
    """
    options = LoadOptions.from_arguments(canvas, refresh, max_age, progress)
    courses = check_ids(course_id, "course_id")
    first, last = _moment(start, "start"), _moment(end, "end")
    if first is not None and last is not None and last <= first:
        raise ConfigError(f"end ({last.isoformat()}) must be after start ({first.isoformat()}).")
    if not isinstance(only_course, bool):
        raise ConfigError(f"only_course must be True or False, got {only_course!r}.")
    chosen: Any = "all" if student_id is None else sorted(check_ids(student_id, "student_id"))
    students = {c: students_of(c, chosen, options) for c in courses}
    return load_log(courses, students, first, last, only_course, options)
