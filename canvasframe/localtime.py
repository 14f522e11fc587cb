"""One notion of local time: the zone every plot, report, widget and export shows times in.

Frames stay in UTC (they are joined, cached and shared). What people see is in one zone, chosen
once, by this rule (:func:`display_zone`):

1. the ``tz=`` a call is given;
2. else the session's (``cf.connect(..., tz=...)``);
3. else the zone of the course in view: Canvas's course ``time_zone``, read once per session and
   course (one request, ``GET /courses/:id``; none offline), when the frame holds one course;
4. else UTC.

Canvas gives IANA names (``America/Chicago``); a fixed offset (``Etc/GMT+6``) is accepted as
given. :func:`localize` turns a frame's UTC columns into that zone for users who want local
columns.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._time import check_tz
from .errors import CanvasframeError, ConfigError

if TYPE_CHECKING:
    from .client import Canvas

__all__ = ["localize"]

_KNOWN: weakref.WeakKeyDictionary[Any, dict[int, dict[str, Any]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
UTC = "UTC"


def session_or_none(canvas: Canvas | None = None) -> Canvas | None:
    """``canvas``, else the default session, else None (no session has been opened)."""
    if canvas is not None:
        return canvas
    from .client import default_canvas

    try:
        return default_canvas()
    except ConfigError:  # no session: nothing to ask
        return None


def course_facts(canvas: Canvas, course_id: int) -> dict[str, Any]:
    """What canvasframe shows about a course (its ``name`` and ``time_zone``, as Canvas states them),
    read once per session with ``GET /courses/:id``; {} offline or when the token cannot read it."""
    with _LOCK:
        known = _KNOWN.setdefault(canvas, {})
        if course_id in known:
            return known[course_id]
    facts: dict[str, Any] = {}
    if not canvas.offline:
        try:
            answer = canvas.get_json(f"courses/{int(course_id)}").data
            facts = answer if isinstance(answer, dict) else {}
        except CanvasframeError:
            facts = {}
    with _LOCK:
        _KNOWN.setdefault(canvas, {})[course_id] = facts
    return facts


def course_zone(canvas: Canvas, course_id: int) -> str | None:
    """The course's time zone as Canvas states it (None when it cannot be read or zoneinfo does not know it)."""
    stated = course_facts(canvas, course_id).get("time_zone")
    try:
        return check_tz(stated) if isinstance(stated, str) else None
    except ConfigError:
        return None


def _one_course(frame: pd.DataFrame | None) -> int | None:
    if frame is None or "course_id" not in frame.columns:
        return None
    courses = pd.unique(frame["course_id"].dropna())
    return int(courses[0]) if len(courses) == 1 else None


def display_zone(
    tz: str | None = None,
    *,
    frame: pd.DataFrame | None = None,
    course_id: int | None = None,
    canvas: Canvas | None = None,
) -> str:
    """The zone to show times in, by the module's rule (``course_id`` or the frame's one course)."""
    if tz is not None:
        return check_tz(tz)
    session = session_or_none(canvas)
    if session is not None and session.tz:
        return session.tz
    course = course_id if course_id is not None else _one_course(frame)
    if session is not None and course is not None:
        return course_zone(session, course) or UTC
    return UTC


def localize(frame: pd.DataFrame, tz: str | None = None, *, canvas: Canvas | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with every UTC time column in local time (the session's or the course's zone).

    Parameters
    ----------
    frame : DataFrame
        Any frame; its time columns with a zone are converted, naive ones (Canvas's UTC day
        buckets) are left as they are.
    tz : str, optional
        The zone (default: the session's, else the frame's course's, else UTC).
    canvas : Canvas, optional
        The session (default: the default session).

    Returns
    -------
    DataFrame
        The copy; ``attrs["time_zone"]`` names the zone.

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> local = cf.localize(cf.load_enrollments(canvas.sample_course_id))
    >>> local.attrs["time_zone"], str(local["created_at"].dtype)
    ('America/Regina', 'datetime64[us, America/Regina]')
    """
    zone = display_zone(tz, frame=frame, canvas=canvas)
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.tz_convert(zone)
    out.attrs["time_zone"] = zone
    return out
