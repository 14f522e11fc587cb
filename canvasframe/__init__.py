"""canvasframe: Canvas LMS learning analytics as tidy pandas DataFrames.

>>> import canvasframe as cf
>>> canvas = cf.sample(quiet=True)          # or cf.connect("https://canvas.example.edu", token)
>>> cf.load_student_summaries(canvas.sample_course_id).shape  # doctest: +SKIP
(36, 13)
"""

from . import cache, lti, plots, xapi
from ._sample import connect_or_sample, sample
from .client import Canvas, connect
from .datasets import duckdb, export_dataset, open_dataset, pseudonymize
from .errors import (
    AuthenticationError,
    CacheCorrupt,
    CacheError,
    CacheMiss,
    CanvasAPIError,
    CanvasframeError,
    CanvasframeWarning,
    ConfigError,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ResponseFormatError,
    ServerError,
)
from .loaders import (
    load_account,
    load_communication,
    load_course_activity,
    load_course_assignments,
    load_courses,
    load_data_services,
    load_department_activity,
    load_department_categories,
    load_department_grades,
    load_department_statistics,
    load_external_tools,
    load_page_views,
    load_participations,
    load_student_assignments,
    load_student_summaries,
    load_subaccount_statistics,
)

__version__ = "0.1.0"


def __getattr__(name: str):
    # ipywidgets is imported only when an explorer is used: plain loading stays light.
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'canvasframe' has no attribute {name!r}")


__all__ = [
    "AuthenticationError",
    "CacheCorrupt",
    "CacheError",
    "CacheMiss",
    "Canvas",
    "CanvasAPIError",
    "CanvasframeError",
    "CanvasframeWarning",
    "ConfigError",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ResponseFormatError",
    "ServerError",
    "__version__",
    "cache",
    "connect",
    "connect_or_sample",
    "duckdb",
    "export_dataset",
    "load_account",
    "load_communication",
    "load_course_activity",
    "load_data_services",
    "load_course_assignments",
    "load_courses",
    "load_department_activity",
    "load_department_categories",
    "load_department_grades",
    "load_external_tools",
    "load_department_statistics",
    "load_page_views",
    "load_participations",
    "load_student_assignments",
    "load_student_summaries",
    "load_subaccount_statistics",
    "open_dataset",
    "plots",
    "pseudonymize",
    "sample",
    "widgets",
    "lti",
    "xapi",
]
