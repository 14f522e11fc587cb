"""The public ``load_*`` functions: client -> endpoint -> transform -> cache.

Every loader takes one id or a list of ids, returns one concatenated frame
(the id is always a column), and keeps each course's / account's part as its
own cache entry, so adding a course to a list refetches only that course.
"""

from __future__ import annotations

import functools
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from . import lti, transforms
from .cache import Cache, Lookup
from .client import Canvas, Fetched, default_canvas
from .endpoints import FRAMES, Endpoint
from .errors import CacheCorrupt, CacheMiss, CanvasframeWarning, ConfigError, NotFound
from .schemas import SCHEMAS, empty_frame, fingerprint, to_frame, to_table

__all__ = [
    "load_account",
    "load_communication",
    "load_course_activity",
    "load_data_services",
    "load_courses",
    "load_course_assignments",
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
]

Ids = int | Sequence[int]
PROGRESS_THRESHOLD = 20  # fan-outs larger than this show a progress bar

try:
    _VERSION = version("canvasframe")
except PackageNotFoundError:  # running from a source tree that is not installed
    _VERSION = "0+unknown"


# -- argument checks (all before any request) ---------------------------------------------


def _ids(value: Any, name: str, *, allow_none: bool = False) -> list[int] | None:
    if value is None:
        if allow_none:
            return None
        raise ConfigError(f"{name} is None; pass a Canvas id (an integer) or a list of them.")
    values = [value] if isinstance(value, (numbers.Integral, str, float)) else value
    try:
        values = list(values)
    except TypeError:
        raise ConfigError(f"{name} must be an integer id or a list of them, got {type(value).__name__}.") from None
    if not values:
        raise ConfigError(f"{name} is an empty list; pass at least one id.")
    result = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise ConfigError(f"{name} must hold integer Canvas ids; {v!r} ({type(v).__name__}) is not one.")
        if v < 0:
            raise ConfigError(f"{name} must hold non-negative Canvas ids; got {v}.")
        result.append(int(v))
    return list(dict.fromkeys(result))  # keep order, drop repeats


def _term(term: Any) -> str:
    if term in ("current", "completed"):
        return term
    if isinstance(term, numbers.Integral) and not isinstance(term, bool) and term >= 0:
        return str(int(term))
    if isinstance(term, str) and transforms.is_digits(term):
        return term
    raise ConfigError(f'term must be "current", "completed" or a term id (integer), got {term!r}.')


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    return os.environ.get("CANVASFRAME_PROGRESS", "1").lower() not in ("0", "false", "no", "off")


def _bar(description: str) -> Callable[[int], Any]:
    def make(total: int) -> Any:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=description, unit="req", leave=False)

    return make


# -- the pipeline ------------------------------------------------------------------------


def _meta(canvas: Canvas, frame: str, params: dict[str, Any], sources: list[str], fetched_at: str) -> dict[str, Any]:
    return {
        "frame": frame,
        "namespace": canvas.cache_namespace,
        "params": params,
        "sources": sources,
        "fetched_at": fetched_at,
        "fingerprint": fingerprint(SCHEMAS[frame]),
        "canvasframe_version": _VERSION,
    }


def _attach(frame: pd.DataFrame, meta: dict[str, Any], from_cache: bool) -> pd.DataFrame:
    frame.attrs["canvasframe"] = {
        "frame": meta["frame"],
        "sources": list(meta["sources"]),
        "fetched_at": meta["fetched_at"],
        "from_cache": from_cache,
    }
    return frame


def _lookup(cache: Cache, canvas: Canvas, frame: str, params: dict[str, Any], max_age: float | None) -> Lookup:
    return cache.read(canvas.cache_namespace, frame, params, fingerprint(SCHEMAS[frame]), max_age=max_age)


def _cached(
    frame: str, params: dict[str, Any], canvas: Canvas, refresh: bool, max_age: float | None
) -> pd.DataFrame | None:
    """The cached frame, or None when it must be fetched (raises offline)."""
    cache = Cache(canvas.cache_dir)
    found = _lookup(cache, canvas, frame, params, max_age)
    if found.status == "hit" and not refresh:
        return _attach(to_frame(found.table), found.meta, True)
    if canvas.offline:
        if found.status in ("hit", "stale"):  # offline, a stale or refreshed entry is all there is
            warnings.warn(
                f"offline: serving {frame} {params} from a cache entry fetched at {found.meta['fetched_at']}",
                CanvasframeWarning,
                stacklevel=4,
            )
            return _attach(to_frame(found.table), found.meta, True)
        if found.status == "corrupt":
            raise CacheCorrupt(
                f"Offline, and the cached {frame} for {params} cannot be read ({found.problem}) at "
                f"{found.path}. Go online (offline=False) to refetch it."
            )
        raise CacheMiss(
            f"Offline, and {frame} for {params} is not in the cache at {cache.directory}. "
            "Load it once online (cf.connect(..., offline=False)), then re-run offline."
        )
    if found.status == "corrupt":
        warnings.warn(
            f"cache file {found.path} for {frame} is unreadable ({found.problem}); refetching it.",
            CanvasframeWarning,
            stacklevel=4,
        )
    return None


def _store(canvas: Canvas, frames: dict[str, pd.DataFrame], params: dict[str, Any], fetched: list[str]) -> None:
    cache = Cache(canvas.cache_dir)
    fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for name, frame in frames.items():
        meta = _meta(canvas, name, params, fetched, fetched_at)
        table = to_table({c: frame[c] for c in frame.columns}, name)
        cache.write(cache.path(canvas.cache_namespace, name, params, meta["fingerprint"]), table, meta)
        _attach(frame, meta, False)


def _transform(ep: Endpoint, payload: Any, params: dict[str, Any], source: str) -> dict[str, pd.DataFrame]:
    context = {k: v for k, v in params.items() if k in ("account_id", "term", "course_id")}
    module = lti if ep.path.startswith("/api/lti/") else transforms
    return {name: getattr(module, name)(payload, source=source, **context) for name in ep.frames}


def _fetch_unit(ep: Endpoint, params: dict[str, Any], canvas: Canvas, progress: bool, refresh: bool) -> dict:
    """Fetch one unit (an account × term, a course, or a course's students) and transform it."""
    if ep.scope == "account" and "{term_path}" not in ep.path:  # an account's own data or lists
        term = params.get("term", "all")
        query = dict(ep.params) | ({} if term == "all" else {"enrollment_term_id": term})
        path = ep.path.format(account_id=params["account_id"])
        fetched = (
            canvas.get_paginated(path, query) if ep.paging == "paginated" else canvas.get_json(path, query or None)
        )
    elif ep.scope == "account":
        term = params["term"]
        term_path = term if term in ("current", "completed") else f"terms/{term}"
        fetched = canvas.get_json(ep.path.format(account_id=params["account_id"], term_path=term_path), ep.params)
    elif ep.scope == "course":
        path = ep.path.format(course_id=params["course_id"])
        if ep.paging == "paginated":
            fetched = canvas.get_paginated(path, ep.params)
        else:
            fetched = canvas.get_json(path, ep.params or None, poll_async=ep.paging == "async")
    else:
        course_id = params["course_id"]
        students = params["students"]
        if students == "all":
            summaries = _load_units("student_summaries", [{"course_id": course_id}], canvas, refresh, None, progress)
            students = summaries["student_id"].tolist()
        paths = [ep.path.format(course_id=course_id, student_id=s) for s in students]
        calls = [functools.partial(canvas.get_json, path, ep.params or None) for path in paths]
        bar = _bar(f"course {course_id}") if progress and len(calls) > PROGRESS_THRESHOLD else None
        results: list[Fetched] = canvas.get_many(calls, progress=bar)
        payload = list(zip(students, (r.data for r in results), strict=True))
        source = canvas.url_for(ep.path.format(course_id=course_id, student_id=":student_id"))
        return {"frames": _transform(ep, payload, params, source), "sources": [source]}
    return {"frames": _transform(ep, fetched.data, params, fetched.urls[0]), "sources": fetched.urls}


def _load_one(
    frame: str, params: dict[str, Any], canvas: Canvas, refresh: bool, max_age: float | None, progress: bool
) -> pd.DataFrame:
    cached = _cached(frame, params, canvas, refresh, max_age)
    if cached is not None:
        return cached
    ep = FRAMES[frame]
    try:
        result = _fetch_unit(ep, params, canvas, progress, refresh)
    except NotFound as exc:
        # Canvas's normal answer for a course without active students or an unpublished course:
        # an empty frame, so one such course does not sink a multi-course load. A 404 for an
        # account or term, or for a student asked for by id, is a mistake worth raising.
        if ep.scope == "account" or "/users/" in exc.url:
            raise
        warnings.warn(
            f"{frame}: Canvas answered 404 for {params} ({exc.canvas_message or 'not found'}); "
            "returning no rows for it.",
            CanvasframeWarning,
            stacklevel=3,
        )
        empty = empty_frame(frame)
        empty.attrs["canvasframe"] = {"frame": frame, "sources": [exc.url], "fetched_at": None, "from_cache": False}
        return empty
    _store(canvas, result["frames"], params, result["sources"])
    return result["frames"][frame]


def _load_units(
    frame: str, units: Iterable[dict[str, Any]], canvas: Canvas, refresh: bool, max_age: float | None, progress: bool
) -> pd.DataFrame:
    parts = [_load_one(frame, params, canvas, refresh, max_age, progress) for params in units]
    if len(parts) == 1:
        return parts[0]
    combined = pd.concat(parts, ignore_index=True)
    infos = [p.attrs["canvasframe"] for p in parts]
    stamps = [i["fetched_at"] for i in infos if i["fetched_at"]]
    combined.attrs["canvasframe"] = {
        "frame": frame,
        "sources": [s for i in infos for s in i["sources"]],
        "fetched_at": min(stamps) if stamps else None,
        "from_cache": all(i["from_cache"] for i in infos),
    }
    return combined


def _run(
    frame: str,
    units: list[dict[str, Any]],
    canvas: Canvas | None,
    refresh: bool,
    max_age: float | None,
    progress: bool | None,
) -> pd.DataFrame:
    if canvas is not None and not isinstance(canvas, Canvas):
        raise ConfigError(f"canvas must be a canvasframe Canvas session (cf.connect()), got {type(canvas).__name__}.")
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, numbers.Real) or max_age < 0):
        raise ConfigError(f"max_age must be a number of seconds >= 0, got {max_age!r}.")
    return _load_units(frame, units, canvas or default_canvas(), bool(refresh), max_age, _progress_enabled(progress))


def load_courses(
    account_id: Ids,
    term: int | None = None,
    *,
    canvas: Canvas | None = None,
    refresh: bool = False,
    max_age: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The courses of an account and its subaccounts (one row per course), for pulls over a whole term.

    Parameters
    ----------
    account_id : int or list of int
        Account(s); Canvas includes the courses of every subaccount.
    term : int, optional
        Only courses of this enrollment term id (default: every term).
    canvas, refresh, max_age, progress
        As for every loader.

    Returns
    -------
    pandas.DataFrame
        Columns in ``docs/frames.md``; ``course_id`` feeds any course loader or ``cf.export_dataset``.

    Examples
    --------
    >>> courses = cf.load_courses(canvas.sample_account_id)  # doctest: +SKIP
    >>> cf.load_student_summaries(courses.course_id.tolist())  # doctest: +SKIP
    """
    if term is not None and (isinstance(term, bool) or not isinstance(term, numbers.Integral) or term < 0):
        raise ConfigError(f"term must be an enrollment term id (integer) or None for every term, got {term!r}.")
    selection = "all" if term is None else str(int(term))
    units = [{"account_id": a, "term": selection} for a in _ids(account_id, "account_id")]
    return _run("courses", units, canvas, refresh, max_age, progress)


def _lti(frame: str) -> Callable[..., pd.DataFrame]:
    def load(
        account_id: Ids,
        *,
        canvas: Canvas | None = None,
        refresh: bool = False,
        max_age: float | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        units = [{"account_id": a} for a in _ids(account_id, "account_id")]
        return _run(frame, units, canvas, refresh, max_age, progress)

    return load


def _department(frame: str) -> Callable[..., pd.DataFrame]:
    def load(
        account_id: Ids,
        term: str | int = "current",
        *,
        canvas: Canvas | None = None,
        refresh: bool = False,
        max_age: float | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        units = [{"account_id": a, "term": _term(term)} for a in _ids(account_id, "account_id")]
        return _run(frame, units, canvas, refresh, max_age, progress)

    return load


def _course(frame: str) -> Callable[..., pd.DataFrame]:
    def load(
        course_id: Ids,
        *,
        canvas: Canvas | None = None,
        refresh: bool = False,
        max_age: float | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        units = [{"course_id": c} for c in _ids(course_id, "course_id")]
        return _run(frame, units, canvas, refresh, max_age, progress)

    return load


def _student(frame: str) -> Callable[..., pd.DataFrame]:
    def load(
        course_id: Ids,
        student_id: Ids | None = None,
        *,
        canvas: Canvas | None = None,
        refresh: bool = False,
        max_age: float | None = None,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        students = _ids(student_id, "student_id", allow_none=True)
        selection: Any = "all" if students is None else sorted(students)
        units = [{"course_id": c, "students": selection} for c in _ids(course_id, "course_id")]
        return _run(frame, units, canvas, refresh, max_age, progress)

    return load


def _public(make: Callable[[str], Callable[..., pd.DataFrame]], frame: str, doc: str) -> Callable[..., pd.DataFrame]:
    loader = make(frame)
    loader.__name__ = loader.__qualname__ = f"load_{frame}"
    loader.__doc__ = doc
    return loader


_COMMON = """
    canvas : Canvas, optional
        Session to use (default: the one from ``cf.connect()`` / ``cf.sample()``).
    refresh : bool
        Refetch even when cached.
    max_age : float, optional
        Refetch cache entries older than this many seconds.
    progress : bool, optional
        Show a progress bar for fan-outs of more than 20 requests (default on;
        ``CANVASFRAME_PROGRESS=0`` turns it off).

    Returns
    -------
    pandas.DataFrame
        Columns and dtypes as ``docs/frames.md`` lists; ``df.attrs["canvasframe"]``
        holds the source URLs, ``fetched_at`` and ``from_cache``.
"""
_DEPT_PARAMS = """
    Parameters
    ----------
    account_id : int or list of int
        Account(s); each is a column value in the result.
    term : {"current", "completed"} or int
        ``current``/``completed``: available/concluded courses of the default term; an id: that term.
"""
_COURSE_PARAMS = """
    Parameters
    ----------
    course_id : int or list of int
        Course(s); a course Canvas answers 404 for (no students, unpublished) gives no rows and a warning.
"""
_STUDENT_PARAMS = (
    _COURSE_PARAMS
    + """    student_id : int or list of int, optional
        Student(s); ``None`` means every student in ``load_student_summaries``, fetched concurrently.
"""
)


def _doc(summary: str, params: str, example: str) -> str:
    return (
        f"{summary}\n{params}{_COMMON}\n    Examples\n    --------\n    >>> import canvasframe as cf\n"
        f"    >>> canvas = cf.sample()  # doctest: +SKIP\n    >>> {example}  # doctest: +SKIP\n"
    )


load_department_activity = _public(
    _department,
    "department_activity",
    _doc(
        "Daily page views and participations summed over an account's courses (one row per account × date).",
        _DEPT_PARAMS,
        "cf.load_department_activity(canvas.sample_account_id)",
    ),
)
load_department_categories = _public(
    _department,
    "department_categories",
    _doc(
        "Page views by category over an account's courses (one row per account × category).",
        _DEPT_PARAMS,
        'cf.load_department_categories(canvas.sample_account_id, term="completed")',
    ),
)
load_department_grades = _public(
    _department,
    "department_grades",
    _doc(
        "Distribution of students' current scores, 0-100 (one row per account × score).",
        _DEPT_PARAMS,
        "cf.load_department_grades(canvas.sample_account_id)",
    ),
)
load_department_statistics = _public(
    _department,
    "department_statistics",
    _doc(
        "Counts of courses, teachers, students and content for an account (one row per account).",
        _DEPT_PARAMS,
        "cf.load_department_statistics(canvas.sample_account_id)",
    ),
)
load_subaccount_statistics = _public(
    _department,
    "subaccount_statistics",
    _doc(
        "The same counts for the account and each direct subaccount (one row per subaccount).",
        _DEPT_PARAMS,
        "cf.load_subaccount_statistics(canvas.sample_account_id)",
    ),
)
load_course_activity = _public(
    _course,
    "course_activity",
    _doc(
        "Daily page views and participations of a course (one row per course × UTC day, sorted).",
        _COURSE_PARAMS,
        "cf.load_course_activity(canvas.sample_course_id)",
    ),
)
load_course_assignments = _public(
    _course,
    "course_assignments",
    _doc(
        "Assignments with score quartiles and tardiness fractions (one row per course × assignment).",
        _COURSE_PARAMS,
        "cf.load_course_assignments(canvas.sample_course_id)",
    ),
)
load_student_summaries = _public(
    _course,
    "student_summaries",
    _doc(
        "Per-student page views, participations, levels and tardiness counts (one row per course × student).",
        _COURSE_PARAMS,
        "cf.load_student_summaries(canvas.sample_course_id)",
    ),
)
load_page_views = _public(
    _student,
    "page_views",
    _doc(
        "Hourly page views per student, in UTC (one row per course × student × hour).",
        _STUDENT_PARAMS,
        "cf.load_page_views(canvas.sample_course_id)",
    ),
)
load_participations = _public(
    _student,
    "participations",
    _doc(
        "Every participation event per student (one row per course × student × event).",
        _STUDENT_PARAMS,
        "cf.load_participations(canvas.sample_course_id)",
    ),
)
load_student_assignments = _public(
    _student,
    "student_assignments",
    _doc(
        "Each student's submission, score and the class quartiles (one row per course × student × assignment).",
        _STUDENT_PARAMS,
        "cf.load_student_assignments(canvas.sample_course_id)",
    ),
)
load_communication = _public(
    _student,
    "communication",
    _doc(
        "Instructor and student message counts per day (one row per course × student × date).",
        _STUDENT_PARAMS,
        "cf.load_communication(canvas.sample_course_id)",
    ),
)
_LTI_PARAMS = """
    Parameters
    ----------
    account_id : int or list of int
        Account(s). Canvas's LTI API: use an LTI Advantage token (``token=cf.lti.ClientCredentials(...)``)
        or an API token with the rights.
"""
load_account = _public(
    _lti,
    "account",
    _doc(
        "An account's details from Canvas's LTI account lookup (one row per account).",
        _LTI_PARAMS,
        "cf.load_account(canvas.sample_account_id)",
    ),
)
load_external_tools = _public(
    _lti,
    "external_tools",
    _doc(
        "The external tools installed in an account (one row per tool × placement).",
        _LTI_PARAMS,
        "cf.load_external_tools(canvas.sample_account_id)",
    ),
)
load_data_services = _public(
    _lti,
    "data_services",
    _doc(
        "An account's live-event data service subscriptions (one row per subscription).",
        _LTI_PARAMS,
        "cf.load_data_services(canvas.sample_account_id)",
    ),
)
