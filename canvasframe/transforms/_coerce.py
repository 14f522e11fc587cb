"""Scalar coercion: the one place where types arriving in JSON are checked.

Every transform reads values through these functions, so a value of the wrong type
becomes a :class:`~canvasframe.errors.ResponseFormatError` naming the key and the
source, never a bare ``TypeError`` deep inside pandas.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ResponseFormatError
from ..schemas import MEMORY_POOL, to_frame, to_table

__all__ = [
    "as_bool",
    "as_float",
    "as_id",
    "as_ids",
    "as_int",
    "as_str",
    "bad",
    "build",
    "column",
    "constant",
    "is_digits",
    "is_iso_timestamp",
    "json_object",
    "records",
    "utc_days",
    "utc_timestamps",
]

INT64_MAX = 2**63 - 1


def bad(source: str, problem: str, body: Any = "") -> ResponseFormatError:
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
        raise bad(source, f"{key!r} is a boolean, expected an integer", value)
    if isinstance(value, int):
        result = value
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    elif isinstance(value, str) and is_digits(value.strip().removeprefix("-")):
        if len(value.strip()) > 20:  # int() refuses thousands of digits with a bare ValueError
            raise bad(source, f"{key!r} has {len(value.strip())} digits, too many for an int64", value[:40])
        result = int(value)
    else:
        raise bad(source, f"{key!r} is {value!r}, expected an integer", value)
    if abs(result) > INT64_MAX:
        raise bad(source, f"{key!r} = {result} does not fit in int64", value)
    return result


def as_id(value: Any, key: str, source: str) -> int:
    result = as_int(value, key, source, default=None)
    if result is None or result < 0:
        raise bad(source, f"{key!r} is {value!r}, expected a non-negative id", value)
    return result


def as_ids(value: Any, key: str, source: str) -> list[int] | None:
    """A JSON list of ids (ints or digit strings) -> a list of ints; ``None`` stays None (key absent)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad(source, f"{key!r} is {value!r}, expected a list of ids", value)
    return [as_id(v, f"{key}[]", source) for v in value]


def as_float(value: Any, key: str, source: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise bad(source, f"{key!r} is a boolean, expected a number", value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise bad(source, f"{key!r} is {value!r}, expected a number", value)


def as_bool(value: Any, key: str, source: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise bad(source, f"{key!r} is {value!r}, expected true or false", value)


def as_str(value: Any, key: str, source: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise bad(source, f"{key!r} is {value!r}, expected text", value)


def records(payload: Any, source: str, what: str = "a JSON array of objects") -> list[dict]:
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise bad(source, f"expected {what}", payload)
    return payload


def json_object(payload: Any, source: str, what: str = "a JSON object") -> dict:
    if not isinstance(payload, dict):
        raise bad(source, f"expected {what}", payload)
    return payload


# What canvasframe reads as a timestamp: ISO 8601 / RFC 3339 with a real offset (-12:00 to +14:00, or Z)
# or none (UTC). pandas alone would also take "now", "today", "1/2/2024" or an offset of +25:00.
ISO_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
    r"(?:Z|z|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)?"
)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_iso_timestamp(text: str) -> bool:
    """True for an ISO 8601 date or date-time with no offset, ``Z``, or a real offset.

    Examples
    --------
    >>> [is_iso_timestamp(t) for t in ("2026-09-01T10:00:00+05:30", "now", "2026-09-01T10:00+25:00")]
    [True, False, False]
    """
    return ISO_TIMESTAMP.fullmatch(text) is not None


def utc_timestamps(values: list[Any], key: str, source: str) -> pd.DatetimeIndex:
    """ISO 8601 strings (a real offset, or none meaning UTC) -> UTC ``datetime64[us]``; None -> NaT."""
    for v in values:
        if v is not None and not (isinstance(v, str) and ISO_TIMESTAMP.fullmatch(v)):
            raise bad(source, f"{key!r} is {v!r}, expected an ISO 8601 timestamp", v)
    try:
        parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        raise bad(source, f"{key!r} holds a value that is not an ISO 8601 timestamp ({exc})") from None
    return pd.DatetimeIndex(parsed).as_unit("us")


def utc_days(values: list[Any], key: str, source: str) -> pd.DatetimeIndex:
    """``YYYY-MM-DD`` strings -> naive midnight ``datetime64[us]``."""
    for v in values:
        if not (isinstance(v, str) and ISO_DAY.fullmatch(v)):
            raise bad(source, f"{key!r} is {v!r}, expected a YYYY-MM-DD date", v)
    try:
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m-%d")
    except (ValueError, TypeError, OverflowError) as exc:
        raise bad(source, f"{key!r} holds a value that is not a YYYY-MM-DD date ({exc})") from None
    return pd.DatetimeIndex(parsed).as_unit("us")


def column(rows: list[dict], key: str, convert: Callable[..., Any], source: str, **kw: Any) -> list[Any]:
    return [convert(r.get(key), key, source, **kw) for r in rows]


def constant(value: Any, n: int) -> list[Any]:
    return [value] * n


def build(name: str, columns: Mapping[str, Any], sort: Sequence[str] | None = None) -> pd.DataFrame:
    return to_frame(sorted_table(to_table(columns, name), sort or ()))


def sorted_table(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """``table``'s rows stably sorted by ``keys``, nulls last (as pandas places them).

    Sorted in Arrow, in the pool frames are made in, which gives a large frame's temporaries
    straight back to the OS (see ``canvasframe.schemas.MEMORY_POOL``); a table already in order
    is returned as it is.
    """
    if not keys or table.num_rows < 2:
        return table
    order = pc.sort_indices(table, sort_keys=[(key, "ascending", "at_end") for key in keys], memory_pool=MEMORY_POOL)
    positions = order.to_numpy()
    if (positions[1:] > positions[:-1]).all():
        return table
    return pc.take(table, order, memory_pool=MEMORY_POOL)
