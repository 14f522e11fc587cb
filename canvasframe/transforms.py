"""Pure functions: Canvas's JSON (already parsed) -> tidy frames.

No I/O, no globals. Each transform accepts both the documented and the real
response shapes (``shared/canvas-api.md``), casts to the frame's schema in
:mod:`canvasframe.schemas`, and raises :class:`~canvasframe.errors.ResponseFormatError`
(naming ``source``) when the body is not a shape Canvas sends.

Per-student transforms take ``[(student_id, payload), ...]`` so the work is
vectorised across every student of a course at once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import ResponseFormatError
from .schemas import DEPARTMENT_STATS, TARDINESS, to_frame, to_table

__all__ = [
    "communication",
    "course_activity",
    "courses",
    "course_assignments",
    "department_activity",
    "department_categories",
    "department_grades",
    "department_statistics",
    "page_views",
    "participations",
    "student_assignments",
    "student_summaries",
    "subaccount_statistics",
]

StudentPayloads = Iterable[tuple[int, Any]]
_INT64_MAX = 2**63 - 1


# -- scalar coercion (the one place types from JSON are checked) ---------------------


def _bad(source: str, problem: str, body: Any = "") -> ResponseFormatError:
    return ResponseFormatError(source, problem, body)


def is_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits.

    ``str.isdigit`` alone also accepts superscripts and other Unicode digits ("²", "١٢") that
    ``int()`` rejects or that no Canvas id is written in.
    """
    return text.isascii() and text.isdigit()


def as_int(value: Any, key: str, source: str, default: int | None = 0) -> int | None:
    """An integer from an int, an integral float or a digit string; ``None`` -> ``default``."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise _bad(source, f"{key!r} is a boolean, expected an integer", value)
    if isinstance(value, int):
        result = value
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    elif isinstance(value, str) and is_digits(value.strip().removeprefix("-")):
        result = int(value)
    else:
        raise _bad(source, f"{key!r} is {value!r}, expected an integer", value)
    if abs(result) > _INT64_MAX:
        raise _bad(source, f"{key!r} = {result} does not fit in int64", value)
    return result


def as_id(value: Any, key: str, source: str) -> int:
    result = as_int(value, key, source, default=None)
    if result is None or result < 0:
        raise _bad(source, f"{key!r} is {value!r}, expected a non-negative id", value)
    return result


def as_float(value: Any, key: str, source: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise _bad(source, f"{key!r} is a boolean, expected a number", value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _bad(source, f"{key!r} is {value!r}, expected a number", value)


def as_bool(value: Any, key: str, source: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _bad(source, f"{key!r} is {value!r}, expected true or false", value)


def as_str(value: Any, key: str, source: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _bad(source, f"{key!r} is {value!r}, expected text", value)


def _records(payload: Any, source: str, what: str = "a JSON array of objects") -> list[dict]:
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise _bad(source, f"expected {what}", payload)
    return payload


def _object(payload: Any, source: str, what: str = "a JSON object") -> dict:
    if not isinstance(payload, dict):
        raise _bad(source, f"expected {what}", payload)
    return payload


def utc_timestamps(values: list[Any], key: str, source: str) -> pd.DatetimeIndex:
    """ISO 8601 strings (any offset, or none meaning UTC) -> UTC ``datetime64[us]``; None -> NaT."""
    for v in values:
        if v is not None and not isinstance(v, str):
            raise _bad(source, f"{key!r} is {v!r}, expected an ISO 8601 timestamp", v)
    try:
        parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        raise _bad(source, f"{key!r} holds a value that is not an ISO 8601 timestamp ({exc})") from None
    return pd.DatetimeIndex(parsed).as_unit("us")


def utc_days(values: list[Any], key: str, source: str) -> pd.DatetimeIndex:
    """``YYYY-MM-DD`` strings -> naive midnight ``datetime64[us]``."""
    for v in values:
        if not isinstance(v, str):
            raise _bad(source, f"{key!r} is {v!r}, expected a YYYY-MM-DD date", v)
    try:
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m-%d")
    except (ValueError, TypeError, OverflowError) as exc:
        raise _bad(source, f"{key!r} holds a value that is not a YYYY-MM-DD date ({exc})") from None
    return pd.DatetimeIndex(parsed).as_unit("us")


def _column(rows: list[dict], key: str, convert: Callable[..., Any], source: str, **kw: Any) -> list[Any]:
    return [convert(r.get(key), key, source, **kw) for r in rows]


def _constant(value: Any, n: int) -> list[Any]:
    return [value] * n


def _build(name: str, columns: Mapping[str, Any], sort: list[str] | None = None) -> pd.DataFrame:
    frame = to_frame(to_table(columns, name))
    if sort and len(frame):
        frame = frame.sort_values(sort, kind="stable", ignore_index=True)
    return frame


def courses(payload: Any, *, account_id: int, term: str, source: str = "account courses") -> pd.DataFrame:
    """``accounts/:id/courses`` (every page) -> one row per course."""
    rows = _records(payload, source)
    columns = _department_columns(account_id, term, len(rows)) | {
        "course_id": _column(rows, "id", as_id, source),
        "name": _column(rows, "name", as_str, source),
        "course_code": _column(rows, "course_code", as_str, source),
        "subaccount_id": _column(rows, "account_id", as_id, source),
        "term_id": _column(rows, "enrollment_term_id", as_int, source, default=None),
        "workflow_state": _column(rows, "workflow_state", as_str, source),
        "total_students": _column(rows, "total_students", as_int, source, default=None),
    }
    return _build("courses", columns, ["account_id", "course_id"])


# -- department ----------------------------------------------------------------------


def _by_key(section: Any, key: str, value_key: str, source: str) -> tuple[list[Any], list[Any]]:
    """Department sections come as ``[{key: k, value_key: v}]`` (real) or ``{k: v}`` (docs)."""
    if isinstance(section, dict):
        return list(section.keys()), list(section.values())
    rows = _records(section, source, f"{key!r} rows as an array or an object")
    return [r.get(key) for r in rows], [r.get(value_key) for r in rows]


def _department_columns(account_id: int, term: str, n: int) -> dict[str, list[Any]]:
    return {"account_id": _constant(account_id, n), "term": _constant(str(term), n)}


def department_activity(
    payload: Any, *, account_id: int, term: str, source: str = "department activity"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/activity`` -> one row per account × date."""
    body = _object(payload, source)
    section = body.get("by_date") or []
    if isinstance(section, dict):
        dates, views = list(section.keys()), list(section.values())
        parts = _constant(0, len(dates))
    else:
        rows = _records(section, source, "'by_date' as an array or an object")
        dates = [r.get("date") for r in rows]
        views = [r.get("views") for r in rows]
        parts = [as_int(r.get("participations"), "participations", source) for r in rows]
    columns = _department_columns(account_id, term, len(dates)) | {
        "date": utc_days(dates, "date", source),
        "views": [as_int(v, "views", source) for v in views],
        "participations": parts,
    }
    return _build("department_activity", columns, ["account_id", "date"])


def department_categories(
    payload: Any, *, account_id: int, term: str, source: str = "department activity"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/activity`` ``by_category`` -> one row per account × category."""
    categories, views = _by_key(_object(payload, source).get("by_category") or [], "category", "views", source)
    columns = _department_columns(account_id, term, len(categories)) | {
        "category": [as_str(c, "category", source) for c in categories],
        "views": [as_int(v, "views", source) for v in views],
    }
    return _build("department_categories", columns, ["account_id", "category"])


def department_grades(payload: Any, *, account_id: int, term: str, source: str = "department grades") -> pd.DataFrame:
    """``accounts/:id/analytics/:term/grades`` -> one row per account × score 0-100."""
    body = _object(payload, source)
    counts = {as_int(k, "score", source): as_int(v, f"grades[{k!r}]", source) for k, v in body.items()}
    scores = [s for s in range(101)]
    columns = _department_columns(account_id, term, 101) | {
        "score": scores,
        "students": [counts.get(s, 0) or 0 for s in scores],
    }
    return _build("department_grades", columns)


def department_statistics(
    payload: Any, *, account_id: int, term: str, source: str = "department statistics"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/statistics`` -> one row per account."""
    body = _object(payload, source)
    names = ("courses", "subaccounts", *DEPARTMENT_STATS[1:])
    columns = _department_columns(account_id, term, 1) | {n: [as_int(body.get(n), n, source)] for n in names}
    return _build("department_statistics", columns)


def subaccount_statistics(
    payload: Any, *, account_id: int, term: str, source: str = "subaccount statistics"
) -> pd.DataFrame:
    """``accounts/:id/analytics/:term/statistics_by_subaccount`` -> one row per (sub)account."""
    body = _object(payload, source)
    rows = _records(body.get("accounts", []), source, "'accounts' as an array of objects")
    columns = _department_columns(account_id, term, len(rows)) | {
        "subaccount_id": _column(rows, "id", as_id, source),
        "name": _column(rows, "name", as_str, source),
    }
    columns |= {n: _column(rows, n, as_int, source) for n in DEPARTMENT_STATS}
    return _build("subaccount_statistics", columns)


# -- course --------------------------------------------------------------------------


def course_activity(payload: Any, *, course_id: int, source: str = "course activity") -> pd.DataFrame:
    """``courses/:id/analytics/activity`` -> one row per course × UTC day, sorted by date."""
    rows = _records(payload, source)
    columns = {
        "course_id": _constant(course_id, len(rows)),
        "date": utc_days([r.get("date") for r in rows], "date", source),
        "views": _column(rows, "views", as_int, source),
        "participations": _column(rows, "participations", as_int, source),
    }
    return _build("course_activity", columns, ["course_id", "date"])


def _assignment_columns(rows: list[dict], source: str) -> dict[str, Any]:
    scores = ("min_score", "first_quartile", "median", "third_quartile", "max_score", "points_possible")
    return {
        "assignment_id": _column(rows, "assignment_id", as_id, source),
        "title": _column(rows, "title", as_str, source),
        "due_at": utc_timestamps([r.get("due_at") for r in rows], "due_at", source),
        "unlock_at": utc_timestamps([r.get("unlock_at") for r in rows], "unlock_at", source),
        "muted": _column(rows, "muted", as_bool, source),
    } | {k: _column(rows, k, as_float, source) for k in scores}


def course_assignments(payload: Any, *, course_id: int, source: str = "course assignments") -> pd.DataFrame:
    """``courses/:id/analytics/assignments`` -> one row per course × assignment, by due date."""
    rows = _records(payload, source)
    breakdowns = [
        _object(r.get("tardiness_breakdown") or {}, source, "'tardiness_breakdown' as an object") for r in rows
    ]
    columns = {"course_id": _constant(course_id, len(rows))} | _assignment_columns(rows, source)
    columns["non_digital_submission"] = _column(rows, "non_digital_submission", as_bool, source)
    columns |= {k: _column(breakdowns, k, as_float, source) for k in TARDINESS}
    columns["total"] = _column(breakdowns, "total", as_int, source, default=None)
    return _build("course_assignments", columns, ["course_id", "due_at", "assignment_id"])


def student_summaries(payload: Any, *, course_id: int, source: str = "student summaries") -> pd.DataFrame:
    """``courses/:id/analytics/student_summaries`` -> one row per course × student."""
    rows = _records(payload, source)
    breakdowns = [
        _object(r.get("tardiness_breakdown") or {}, source, "'tardiness_breakdown' as an object") for r in rows
    ]
    max_views = [r.get("max_page_views", r.get("max_page_view")) for r in rows]  # the docs spell it max_page_view
    columns = {
        "course_id": _constant(course_id, len(rows)),
        "student_id": _column(rows, "id", as_id, source),
        "page_views": _column(rows, "page_views", as_int, source),
        "max_page_views": [as_int(v, "max_page_views", source) for v in max_views],
        "page_views_level": _column(rows, "page_views_level", as_int, source, default=None),
        "participations": _column(rows, "participations", as_int, source),
        "max_participations": _column(rows, "max_participations", as_int, source),
        "participations_level": _column(rows, "participations_level", as_int, source, default=None),
        "total": _column(breakdowns, "total", as_int, source),
    } | {k: _column(breakdowns, k, as_int, source) for k in TARDINESS}
    return _build("student_summaries", columns, ["course_id", "student_id"])


# -- per student -----------------------------------------------------------------------


KEY_WIDTH = 25  # len("2026-09-01T13:00:00-05:00"): every hour key hosted Canvas builds


def _hours_from_block(block: bytes | bytearray, n: int) -> np.ndarray | None:
    """UTC epoch seconds from ``n`` fixed-width keys packed in ``block``, or None if they are not that layout."""
    if not n or len(block) != KEY_WIDTH * n:
        return None
    chars = np.frombuffer(block, dtype=np.uint8).reshape(n, KEY_WIDTH)
    if not (np.isin(chars[:, 19], (43, 45)).all() and (chars[:, 22] == 58).all()):  # +/- and ':'
        return None
    digits = chars[:, [20, 21, 23, 24]] - np.uint8(48)  # uint8, so anything below "0" wraps past 9
    if (digits > 9).any():
        return None
    # The first 19 bytes of every key, viewed in place (stride 25): numpy's C parser reads the local
    # time without the keys being copied, which matters at half a million keys.
    local_text = np.ndarray((n,), dtype="S19", buffer=block, strides=(KEY_WIDTH,))
    try:
        local = local_text.astype("datetime64[s]")
    except ValueError:
        return None
    if np.isnat(local).any():
        return None
    offset = (digits[:, 0] * 10 + digits[:, 1]).astype(np.int32) * 3600
    offset += (digits[:, 2] * 10 + digits[:, 3]).astype(np.int32) * 60
    np.negative(offset, out=offset, where=chars[:, 19] == 45)
    seconds = local.view(np.int64)  # the same memory: UTC is computed in place
    seconds -= offset
    return seconds


def canvas_hours(keys: list[str], source: str) -> np.ndarray:
    """Page-view keys -> UTC epoch seconds, vectorised.

    Canvas builds hour keys in one fixed layout, ``YYYY-MM-DDTHH:MM:SS±HH:MM``, so the
    fast path packs them into one ASCII block, lets numpy's C parser read the local
    part and applies the offsets column-wise: no Python work per key. Anything else
    (``Z`` suffixes, fractions, day keys) goes through pandas.
    """
    block = _pack_keys(keys)
    fast = None if block is None else _hours_from_block(block, len(keys))
    return fast if fast is not None else _hours_with_pandas(keys, source)


def _hours_with_pandas(keys: list[Any], source: str) -> np.ndarray:
    """The general reading of page-view keys, for whatever the fixed-layout fast path refused."""
    for k in keys:
        if not isinstance(k, str):
            raise _bad(source, f"page view key {k!r} is not a timestamp", k)
    if keys and all(len(k) == 10 for k in keys):
        parsed = utc_days(keys, "page_views", source).tz_localize("UTC")
    else:
        parsed = utc_timestamps(keys, "page_views", source)
    if parsed.isna().any():
        raise _bad(source, "a page view key is empty")
    return parsed.as_unit("s").asi8


def _counts(values: list[Any], key: str, source: str) -> np.ndarray:
    """Integer counts as an int64 array; the exact check runs only when the fast one fails."""
    if set(map(type, values)) <= {int}:  # in C; bool is its own type here, so it falls through
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            pass
    return np.array([as_int(v, key, source) for v in values], dtype=np.int64)


def _pack_keys(keys: Collection[Any]) -> bytes | None:
    """Keys as one ASCII block of ``KEY_WIDTH`` bytes each, or None when any is off the fixed layout."""
    try:
        block = "".join(keys).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    return block if len(block) == KEY_WIDTH * len(keys) else None


def _unpack_keys(packed: bytes | bytearray) -> list[str]:
    return [packed[i : i + KEY_WIDTH].decode() for i in range(0, len(packed), KEY_WIDTH)]


def _sorted_by_student_and_hour(students: list[int], sizes: list[int], hours: np.ndarray) -> bool:
    """True when students come in strictly increasing order and each one's hours strictly increase.

    Canvas sends one student per request and each student's keys in order, so this is the
    usual case and the sort can be skipped; the check looks at the short list of students and
    one pass over the hours, not at a per-row student column.
    """
    if any(later <= earlier for earlier, later in itertools.pairwise(students)):
        return False
    rising = hours[1:] > hours[:-1]
    ends = np.cumsum(np.asarray(sizes, dtype=np.int64))[:-1] - 1  # last row of each student but the final one
    rising[ends[(ends >= 0) & (ends < len(rising))]] = True  # a new student may start at any hour
    return bool(rising.all())


def page_views(payloads: StudentPayloads, *, course_id: int, source: str = "student activity") -> pd.DataFrame:
    """Per-student ``activity`` ``page_views`` -> one row per course × student × hour (UTC).

    Keys are hour buckets with an offset (hosted Canvas) or ``YYYY-MM-DD`` days
    (self-hosted); days become midnight UTC. Keys in two offsets that name the same
    UTC hour are summed into one row. Vectorised over every student of the course.
    """
    # Keys are packed into one ASCII buffer as they come, so with a lazy iterable of payloads only
    # one student's parsed JSON is alive at a time and the keys are never held as str objects.
    # The first key off Canvas's fixed layout switches to a plain list of keys for the slow path.
    students, sizes, counts = [], [], []
    packed = bytearray()
    loose: list[Any] | None = None
    for student_id, payload in payloads:
        section = _object(_object(payload, source).get("page_views") or {}, source, "'page_views' as an object")
        students.append(student_id)
        sizes.append(len(section))
        counts.append(_counts(list(section.values()), "page_views[...]", source))
        if loose is None:
            block = _pack_keys(section)
            if block is not None:
                packed += block
                continue
            loose, packed = _unpack_keys(packed), bytearray()
        loose.extend(section)
    views = np.concatenate(counts) if counts else np.empty(0, np.int64)
    del counts
    hours = None if loose is not None else _hours_from_block(packed, len(views))
    if hours is None:  # the fast path has had its try, on these very keys
        hours = _hours_with_pandas(loose if loose is not None else _unpack_keys(packed), source)
    del packed, loose
    student_ids = np.repeat(np.array(students, dtype=np.int64), sizes)
    if not _sorted_by_student_and_hour(students, sizes, hours):
        order = np.lexsort((hours, student_ids))
        student_ids, hours, views = student_ids[order], hours[order], views[order]
        first = np.ones(len(hours), dtype=bool)
        first[1:] = (student_ids[1:] != student_ids[:-1]) | (hours[1:] != hours[:-1])
        starts = np.flatnonzero(first)
        views = np.add.reduceat(views, starts) if len(starts) else views
        student_ids, hours = student_ids[starts], hours[starts]
    # Seconds to microseconds in place where the array is ours: one fewer column-sized copy alive
    # while Arrow hands the columns to pandas, which is when this transform's memory peaks.
    micros = np.multiply(hours, 1_000_000, out=hours if hours.flags.writeable else None)
    columns = {
        "course_id": np.full(len(hours), course_id, dtype=np.int64),
        "student_id": student_ids,
        "hour": micros.view("datetime64[us]"),
        "views": views,
    }
    del hours, micros, student_ids, views
    return _build("page_views", columns)


def participations(payloads: StudentPayloads, *, course_id: int, source: str = "student activity") -> pd.DataFrame:
    """Per-student ``activity`` ``participations`` -> one row per course × student × event."""
    students, rows = [], []
    for student_id, payload in payloads:
        events = _records(_object(payload, source).get("participations") or [], source, "'participations' as an array")
        students.extend([student_id] * len(events))
        rows.extend(events)
    columns = {
        "course_id": _constant(course_id, len(rows)),
        "student_id": students,
        "created_at": utc_timestamps([r.get("created_at") for r in rows], "created_at", source),
        "url": _column(rows, "url", as_str, source),
    }
    return _build("participations", columns, ["course_id", "student_id", "created_at"])


def student_assignments(
    payloads: StudentPayloads, *, course_id: int, source: str = "student assignments"
) -> pd.DataFrame:
    """Per-student ``assignments`` -> one row per course × student × assignment."""
    students, rows = [], []
    for student_id, payload in payloads:
        records = _records(payload, source)
        students.extend([student_id] * len(records))
        rows.extend(records)
    subs = [_object(r.get("submission") or {}, source, "'submission' as an object") for r in rows]
    columns = {"course_id": _constant(course_id, len(rows)), "student_id": students} | _assignment_columns(rows, source)
    columns |= {
        "submitted_at": utc_timestamps([s.get("submitted_at") for s in subs], "submitted_at", source),
        "posted_at": utc_timestamps([s.get("posted_at") for s in subs], "posted_at", source),
        "score": _column(subs, "score", as_float, source),
        "status": _column(rows, "status", as_str, source),
    }
    return _build("student_assignments", columns, ["course_id", "student_id", "due_at", "assignment_id"])


def communication(payloads: StudentPayloads, *, course_id: int, source: str = "student communication") -> pd.DataFrame:
    """Per-student ``communication`` -> one row per course × student × UTC day."""
    students, days, inner = [], [], []
    for student_id, payload in payloads:
        body = _object(payload, source)
        for day, counts in body.items():
            students.append(student_id)
            days.append(day)
            inner.append(_object(counts or {}, source, f"messages of {day!r} as an object"))
    columns = {
        "course_id": _constant(course_id, len(days)),
        "student_id": students,
        "date": utc_days(days, "date", source),
        "instructor_messages": _column(inner, "instructorMessages", as_int, source),
        "student_messages": _column(inner, "studentMessages", as_int, source),
    }
    return _build("communication", columns, ["course_id", "student_id", "date"])
