"""The declarative table of Canvas calls and the frames each one feeds.

One call can feed several frames (department ``activity`` gives both
``department_activity`` and ``department_categories``; per-student ``activity``
gives ``page_views`` and ``participations``): loaders fetch it once and cache
every frame it feeds. A frame's transform in :mod:`canvasframe.transforms` and
its schema in :mod:`canvasframe.schemas` carry the frame's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ENDPOINTS", "FRAMES", "Endpoint"]


@dataclass(frozen=True)
class Endpoint:
    """One Canvas Analytics call.

    Attributes
    ----------
    path : str
        URL template below ``/api/v1/``; ``{term_path}`` is ``current``, ``completed`` or ``terms/<id>``.
    scope : str
        ``account`` (per account and term), ``course`` (per course) or ``student`` (per course × student).
    paging : str
        ``single``, ``paginated`` (follow Link headers) or ``async`` (may answer with a progress_url).
    frames : tuple of str
        The frames this call feeds.
    params : dict
        Query parameters sent with every request.
    """

    path: str
    scope: str
    frames: tuple[str, ...]
    paging: str = "single"
    params: dict[str, str] = field(default_factory=dict)


_DEPT = "accounts/{account_id}/analytics/{term_path}/"
_STUDENT = "courses/{course_id}/analytics/users/{student_id}/"

ENDPOINTS: dict[str, Endpoint] = {
    "account": Endpoint("/api/lti/accounts/{account_id}", "account", ("account",)),
    "external_tools": Endpoint(
        "/api/lti/accounts/{account_id}/external_tools", "account", ("external_tools",), "paginated"
    ),
    "data_services": Endpoint(
        "/api/lti/accounts/{account_id}/data_services", "account", ("data_services",), "paginated"
    ),
    "courses": Endpoint(
        "accounts/{account_id}/courses", "account", ("courses",), "paginated", {"include[]": "total_students"}
    ),
    "department_activity": Endpoint(_DEPT + "activity", "account", ("department_activity", "department_categories")),
    "department_grades": Endpoint(_DEPT + "grades", "account", ("department_grades",)),
    "department_statistics": Endpoint(_DEPT + "statistics", "account", ("department_statistics",)),
    "subaccount_statistics": Endpoint(_DEPT + "statistics_by_subaccount", "account", ("subaccount_statistics",)),
    "course_activity": Endpoint("courses/{course_id}/analytics/activity", "course", ("course_activity",)),
    "course_assignments": Endpoint(
        "courses/{course_id}/analytics/assignments", "course", ("course_assignments",), "async", {"async": "true"}
    ),
    "student_summaries": Endpoint(
        "courses/{course_id}/analytics/student_summaries", "course", ("student_summaries",), "paginated"
    ),
    "student_activity": Endpoint(_STUDENT + "activity", "student", ("page_views", "participations")),
    "student_assignments": Endpoint(_STUDENT + "assignments", "student", ("student_assignments",)),
    "student_communication": Endpoint(_STUDENT + "communication", "student", ("communication",)),
}

FRAMES: dict[str, Endpoint] = {frame: ep for ep in ENDPOINTS.values() for frame in ep.frames}
