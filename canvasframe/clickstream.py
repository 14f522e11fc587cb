"""Sessions, time on task and resource use from the page-view log (``cf.load_page_view_log``).

Pure functions on the log frame; nothing here talks to Canvas.

**Sessions.** A student's requests, in time order, are cut into sessions wherever two
requests are more than ``idle`` apart (30 minutes by default, the inactivity threshold
most web-analytics tools and learning-analytics studies use).

**Time on task** is *estimated*; Canvas records when a request was made, not when the
student stopped reading. The estimator here is the gap-based one of the time-on-task
literature (Kovanović et al., 2015, "Penetrating the black box of time-on-task
estimation", LAK '15):

- a request's time is the gap to the student's next request, at most ``cap`` (10 minutes);
- the last request of a session, which has no next request, counts its own
  ``interaction_time`` (Canvas's estimate of time on the page: 5 s when the page never
  reported back), at most ``cap``;
- ``cap`` may not exceed ``idle``: a gap longer than ``idle`` already ends the session.

Known biases, as that literature describes them: a long gap is cut to ``cap`` whether the
student was reading or away (time on long readings is underestimated, idle time in short
gaps overestimated); the last request of a session is nearly always underestimated
(Canvas's 5 s default); AJAX requests made by an open page fill gaps (they are kept, since
they show the page was open); time in other tabs or offline is never seen. Report the
``idle`` and ``cap`` you used, and check that a conclusion survives other values.

Examples
--------
>>> import pandas as pd
>>> times = pd.to_datetime(["2026-09-01 10:00", "2026-09-01 10:04", "2026-09-01 12:00"], utc=True)
>>> log = pd.DataFrame({"student_id": [1, 1, 1], "created_at": times,
...                     "interaction_time": pd.to_timedelta([30, 30, 45], unit="s"),
...                     "participated": [False, True, False], "url": ["a", "b", "c"]})
>>> sessions(log)[["session", "requests", "duration"]]
   session  requests        duration
0        1         2 0 days 00:04:00
1        2         1 0 days 00:00:00
>>> time_on_task(log, by=("student_id",))
   student_id    time_on_task  requests
0           1 0 days 00:05:15         3
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._time import check_tz, week_start
from .errors import ConfigError

__all__ = ["reconcile", "resource_use", "sessions", "time_on_task"]

IDLE = "30min"
CAP = "10min"
_NEEDED = ("student_id", "created_at")


def _duration(value: Any, name: str) -> pd.Timedelta:
    try:
        result = pd.Timedelta(value)
    except (ValueError, TypeError):
        result = pd.NaT
    if result is pd.NaT or result <= pd.Timedelta(0):
        raise ConfigError(f"{name} must be a positive duration such as '30min', got {value!r}.")
    return result


def _checked(log: pd.DataFrame, columns: Sequence[str] = _NEEDED) -> pd.DataFrame:
    if not isinstance(log, pd.DataFrame):
        raise ConfigError(
            f"expected the page-view log (a DataFrame from cf.load_page_view_log), got {type(log).__name__}."
        )
    missing = [c for c in columns if c not in log.columns]
    if missing:
        raise ConfigError(f"the log has no {missing} column(s); pass a frame from cf.load_page_view_log.")
    return log.sort_values(["student_id", "created_at"], kind="stable").reset_index(drop=True)


def _numbered(log: pd.DataFrame, idle: pd.Timedelta) -> pd.DataFrame:
    """The log in time order per student with ``session`` (1, 2, ... per student) and ``gap`` to the next request."""
    gap_before = log.groupby("student_id")["created_at"].diff()
    starts = gap_before.isna() | (gap_before > idle)
    numbered = log.assign(session=starts.astype("int64").groupby(log["student_id"]).cumsum())
    following = numbered.groupby(["student_id", "session"])["created_at"].shift(-1)
    return numbered.assign(gap=following - numbered["created_at"])


def _column(log: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """``log[name]``, or a column of ``dtype`` that records nothing when the log lacks it (typed: a bare NaT
    would be a time, not a duration)."""
    return log[name] if name in log else pd.Series(None, index=log.index, dtype=dtype)


def _estimates(numbered: pd.DataFrame, cap: pd.Timedelta) -> pd.Series:
    """Each request's time on task: the gap to the next request of its session, else its own interaction time."""
    own = _column(numbered, "interaction_time", "timedelta64[us]").fillna(pd.Timedelta(0))
    estimate = numbered["gap"].where(numbered["gap"].notna(), own)
    return estimate.clip(upper=cap).astype("timedelta64[us]")


def sessions(log: pd.DataFrame, *, idle: Any = IDLE) -> pd.DataFrame:
    """One row per student × session: requests no more than ``idle`` apart.

    Parameters
    ----------
    log : DataFrame
        A page-view log (``cf.load_page_view_log``), of one course or several.
    idle : str or Timedelta
        The inactivity that ends a session.

    Returns
    -------
    DataFrame
        ``student_id, session`` (1, 2, ... per student, in time order), ``start, end`` (the
        first and last request's times, UTC), ``duration`` (end - start: 0 for a single
        request), ``requests``, ``participations``, ``interaction_time`` (Canvas's own
        per-page estimates, summed), ``first_url, last_url``.

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=1005)
    >>> per_student = cf.clickstream.sessions(log)
    >>> int(per_student["requests"].sum()) == len(log)
    True
    """
    idle = _duration(idle, "idle")
    numbered = _numbered(_checked(log), idle)
    columns = numbered.assign(
        participated=_column(numbered, "participated", "boolean").fillna(False).astype("int64"),
        interaction_time=_column(numbered, "interaction_time", "timedelta64[us]"),
        url=_column(numbered, "url", "str"),
    )
    result = (
        columns.groupby(["student_id", "session"], sort=True)
        .agg(
            start=("created_at", "min"),
            end=("created_at", "max"),
            requests=("created_at", "size"),
            participations=("participated", "sum"),
            interaction_time=("interaction_time", "sum"),
            first_url=("url", "first"),
            last_url=("url", "last"),
        )
        .reset_index()
    )
    result.insert(4, "duration", result["end"] - result["start"])
    return result.astype({"interaction_time": "timedelta64[us]", "duration": "timedelta64[us]"})


def _period(numbered: pd.DataFrame, key: str, tz: str) -> pd.Series:
    if key == "week":
        return week_start(numbered["created_at"], tz)
    if key == "date":
        return numbered["created_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    return numbered[key]


def time_on_task(
    log: pd.DataFrame,
    *,
    by: Sequence[str] = ("student_id", "week"),
    idle: Any = IDLE,
    cap: Any = CAP,
    tz: str | None = None,
) -> pd.DataFrame:
    """Estimated time on task, summed by ``by`` (the gap-based estimator in this module's notes).

    Parameters
    ----------
    log : DataFrame
        A page-view log (``cf.load_page_view_log``).
    by : sequence of str
        Columns of the log, or ``"week"`` (the Monday starting the request's week, in ``tz``)
        or ``"date"`` (the request's day in ``tz``).
    idle : str or Timedelta
        The inactivity that ends a session (see :func:`sessions`).
    cap : str or Timedelta
        The most one request counts for; at most ``idle``.
    tz : str, optional
        The time zone of weeks and dates (an IANA name); UTC when None.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``time_on_task`` (a duration) and ``requests``.

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=1005)
    >>> weekly = cf.clickstream.time_on_task(log, tz="America/Chicago")
    >>> list(weekly.columns)
    ['student_id', 'week', 'time_on_task', 'requests']
    """
    idle, cap = _duration(idle, "idle"), _duration(cap, "cap")
    if cap > idle:
        raise ConfigError(f"cap ({cap}) must not exceed idle ({idle}): a gap longer than idle already ends a session.")
    zone = check_tz(tz or "UTC")
    keys = [by] if isinstance(by, str) else list(by)
    numbered = _numbered(_checked(log), idle)
    unknown = [k for k in keys if k not in ("week", "date") and k not in numbered.columns]
    if unknown:
        raise ConfigError(f"by names {unknown}, which are not columns of the log (nor 'week' or 'date').")
    keyed = pd.DataFrame({k: _period(numbered, k, zone) for k in keys})
    keyed["time_on_task"] = _estimates(numbered, cap)
    keyed["requests"] = 1
    return keyed.groupby(keys, sort=True, dropna=False).sum().reset_index()


def resource_use(log: pd.DataFrame, *, idle: Any = IDLE, cap: Any = CAP) -> pd.DataFrame:
    """Per student × resource: how often it was opened and the time estimated on it.

    A resource is an asset (``asset_type``, ``asset_id``) or, for pages without an asset, the
    URL. ``visits`` counts the student's own requests (``user_request``); AJAX requests count
    for time only. Time is :func:`time_on_task`'s per-request estimate.

    Returns
    -------
    DataFrame
        ``student_id, asset_type, asset_id, url`` (the asset's most requested URL),
        ``visits, time_on_task``, the most used first per student.

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=1005)
    >>> use = cf.clickstream.resource_use(log)
    >>> int(use["visits"].sum()) == int(log["user_request"].sum())
    True
    """
    idle, cap = _duration(idle, "idle"), _duration(cap, "cap")
    numbered = _numbered(_checked(log, (*_NEEDED, "url", "asset_type", "asset_id", "user_request")), idle)
    numbered["time_on_task"] = _estimates(numbered, cap)
    numbered["visits"] = numbered["user_request"].fillna(False).astype("int64")
    has_asset = numbered["asset_id"].notna()
    numbered["resource"] = numbered["url"].where(  # a grouping key only: any separator would do
        ~has_asset,
        numbered["asset_type"] + ":" + numbered["asset_id"].astype("str"),  # pragma: no mutate
    )
    used = numbered.groupby(["student_id", "resource"], sort=False).agg(
        asset_type=("asset_type", "first"),
        asset_id=("asset_id", "first"),
        url=("url", lambda urls: urls.value_counts().index[0]),  # the most requested; of equals, the first
        visits=("visits", "sum"),
        time_on_task=("time_on_task", "sum"),
    )
    # A sort on several keys is stable: resources used alike stay in the order they were first requested.
    result = used.reset_index().sort_values(["student_id", "visits", "time_on_task"], ascending=[True, False, False])
    return result[["student_id", "asset_type", "asset_id", "url", "visits", "time_on_task"]].reset_index(drop=True)


def reconcile(log: pd.DataFrame, page_views: pd.DataFrame) -> pd.DataFrame:
    """The log's hourly counts against Analytics' ``page_views``, per course × student × hour.

    Analytics counts every page view in the course's context, AJAX and masqueraded requests
    included, by hour. The log's rows are counted by that rule (its course rows, one per
    request id); where the two differ, Canvas's best-effort page-view data lost or added
    requests, or one side was read at another time.

    Parameters
    ----------
    log : DataFrame
        ``cf.load_page_view_log`` over the same course(s) and students.
    page_views : DataFrame
        ``cf.load_page_views`` (hourly, UTC).

    Returns
    -------
    DataFrame
        ``course_id, student_id, hour, log_views, analytics_views, difference``
        (log - Analytics), every hour either side has, in order.

    Examples
    --------
    >>> import canvasframe as cf
    >>> canvas = cf.sample(quiet=True)
    >>> log = cf.load_page_view_log(canvas.sample_course_id, student_id=1005)
    >>> hourly = cf.load_page_views(canvas.sample_course_id, 1005)
    >>> recent = hourly[hourly["hour"] >= log["created_at"].min().floor("h")]
    >>> int(cf.clickstream.reconcile(log, recent)["difference"].abs().sum())
    0
    """
    checked = _checked(log, (*_NEEDED, "course_id", "request_id"))
    for column in ("course_id", "student_id", "hour", "views"):
        if column not in page_views.columns:
            raise ConfigError(f"page_views has no {column!r} column; pass a frame from cf.load_page_views.")
    rows = checked[checked["course_id"].notna()].drop_duplicates(["student_id", "request_id"])
    counted = (
        rows.assign(hour=rows["created_at"].dt.floor("h"), course_id=rows["course_id"].astype("int64"))
        .groupby(["course_id", "student_id", "hour"])
        .size()
        .rename("log_views")
    )
    analytics = page_views.groupby(["course_id", "student_id", "hour"])["views"].sum().rename("analytics_views")
    both = pd.concat([counted, analytics], axis=1).fillna(0).astype("int64").sort_index().reset_index()
    both["difference"] = both["log_views"] - both["analytics_views"]
    return both
