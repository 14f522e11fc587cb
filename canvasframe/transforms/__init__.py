"""Pure functions: Canvas's JSON (already parsed) -> tidy frames, and the table of which makes which frame.

No I/O, no globals. One module per family: :mod:`._coerce` (scalar checks shared by
all), :mod:`.analytics`, :mod:`.page_views` (the vectorised hour-key path),
:mod:`.courses`, :mod:`.lti` and :mod:`.xapi`. :data:`TRANSFORMS` maps every frame
name to its transform and says what it needs, so the loaders and the property tests
read one table.

Examples
--------
>>> from canvasframe.transforms import TRANSFORMS
>>> payload = [{"date": "2026-09-02", "views": 4, "participations": 1}]
>>> TRANSFORMS["course_activity"](payload, {"course_id": 7})[["course_id", "views"]]
   course_id  views
0          7      4
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._coerce import as_bool, as_float, as_id, as_int, as_str, is_digits, utc_days, utc_timestamps
from .analytics import (
    communication,
    course_activity,
    course_assignments,
    department_activity,
    department_categories,
    department_grades,
    department_statistics,
    participations,
    student_assignments,
    student_summaries,
    subaccount_statistics,
)
from .courses import courses
from .lti import account, data_services, external_tools
from .page_views import canvas_hours, page_views
from .xapi import statements_to_frame

__all__ = [
    "TRANSFORMS",
    "Transform",
    "account",
    "as_bool",
    "as_float",
    "as_id",
    "as_int",
    "as_str",
    "canvas_hours",
    "communication",
    "course_activity",
    "course_assignments",
    "courses",
    "data_services",
    "department_activity",
    "department_categories",
    "department_grades",
    "department_statistics",
    "external_tools",
    "is_digits",
    "page_views",
    "participations",
    "statements_to_frame",
    "student_assignments",
    "student_summaries",
    "subaccount_statistics",
    "utc_days",
    "utc_timestamps",
]


@dataclass(frozen=True)
class Transform:
    """How one frame is made from Canvas's JSON.

    Attributes
    ----------
    function : callable
        ``function(payload, *, source, **context) -> DataFrame``.
    context : tuple of str
        The unit's parameters it takes as keywords (``course_id``; ``account_id`` and ``term``).
    per_student : bool
        The payload is ``[(student_id, body), ...]``, one body per student of a course.
    """

    function: Callable[..., pd.DataFrame]
    context: tuple[str, ...] = ()
    per_student: bool = False

    def __call__(self, payload: Any, unit: Mapping[str, Any], source: str | None = None) -> pd.DataFrame:
        """Apply the transform with the context it takes from ``unit`` (a loader's unit of work)."""
        keywords = {key: unit[key] for key in self.context}
        if source is not None:
            keywords["source"] = source
        return self.function(payload, **keywords)


_ACCOUNT = ("account_id",)
_DEPARTMENT = ("account_id", "term")
_COURSE = ("course_id",)

TRANSFORMS: dict[str, Transform] = {
    "account": Transform(account, _ACCOUNT),
    "external_tools": Transform(external_tools, _ACCOUNT),
    "data_services": Transform(data_services, _ACCOUNT),
    "courses": Transform(courses, _DEPARTMENT),
    "department_activity": Transform(department_activity, _DEPARTMENT),
    "department_categories": Transform(department_categories, _DEPARTMENT),
    "department_grades": Transform(department_grades, _DEPARTMENT),
    "department_statistics": Transform(department_statistics, _DEPARTMENT),
    "subaccount_statistics": Transform(subaccount_statistics, _DEPARTMENT),
    "course_activity": Transform(course_activity, _COURSE),
    "course_assignments": Transform(course_assignments, _COURSE),
    "student_summaries": Transform(student_summaries, _COURSE),
    "page_views": Transform(page_views, _COURSE, per_student=True),
    "participations": Transform(participations, _COURSE, per_student=True),
    "student_assignments": Transform(student_assignments, _COURSE, per_student=True),
    "communication": Transform(communication, _COURSE, per_student=True),
    "xapi_statements": Transform(statements_to_frame),
}
