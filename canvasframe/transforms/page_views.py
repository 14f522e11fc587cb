"""Per-student page views -> frames, with a vectorised fast path for Canvas's hour keys.

A course of 10,000 students sends hundreds of thousands of hour keys; reading them one
by one in Python would dominate a pull. Canvas builds every hour key in one fixed
layout, so they are packed into one ASCII buffer and parsed by numpy in place.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ._coerce import as_int, bad, build, json_object, utc_days, utc_timestamps

__all__ = ["KEY_WIDTH", "PAGE_VIEWS_ORDER", "canvas_hours", "page_views"]

PAGE_VIEWS_ORDER = ("course_id", "student_id", "hour")  # how the rows come out (sorted as they are built)

StudentPayloads = Iterable[tuple[int, Any]]


KEY_WIDTH = 25  # len("2026-09-01T13:00:00-05:00"): every hour key hosted Canvas builds
_LOCAL_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_LOCAL_SEPARATORS = [4, 7, 10, 13, 16]
_SEPARATORS = np.frombuffer(b"--T::", dtype=np.uint8)


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
    # The local part's own layout, byte by byte: numpy would read "now" (NUL-padded to the width)
    # as the current time, so only digits and the separators of YYYY-MM-DDTHH:MM:SS pass.
    if ((chars[:, _LOCAL_DIGITS] - np.uint8(48)) > 9).any() or (chars[:, _LOCAL_SEPARATORS] != _SEPARATORS).any():
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
    hours = (digits[:, 0] * 10 + digits[:, 1]).astype(np.int32)
    minutes = (digits[:, 2] * 10 + digits[:, 3]).astype(np.int32)
    if (hours > 14).any() or (minutes > 59).any():  # no real offset: the strict reading will say so
        return None
    offset = hours * 3600 + minutes * 60
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
            raise bad(source, f"page view key {k!r} is not a timestamp", k)
    if keys and all(len(k) == 10 for k in keys):
        parsed = utc_days(keys, "page_views", source).tz_localize("UTC")
    else:
        parsed = utc_timestamps(keys, "page_views", source)
    if parsed.isna().any():
        raise bad(source, "a page view key is empty")
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
    if len(block) != KEY_WIDTH * len(keys):
        return None
    # The total alone could hide a short key beside a long one, which would be re-cut into two
    # valid-looking hours; one length per key, in C, rules that out.
    return block if set(map(len, keys)) <= {KEY_WIDTH} else None


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
        section = json_object(json_object(payload, source).get("page_views") or {}, source, "'page_views' as an object")
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
    return build("page_views", columns)
