"""xAPI statements -> frames (pure: no I/O).

Durations are ISO 8601 (``PT4H35M59.14S``, ``P4W``, ``P1DT2H``) parsed with :mod:`isodate`.
Year and month parts have no fixed length, so they are resolved against the
statement's ``timestamp`` (calendar-exact: ``P1M`` from 31 January is 28 or 29
days); a statement without a timestamp uses the Gregorian averages (a year is
365.2425 days, a month a twelfth of that). ``canvas_duration`` is what Canvas
records for a page view from the statement: 5 seconds when the statement has
no duration, capped at 5 minutes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import isodate
import numpy as np
import pandas as pd
import pyarrow as pa

from .._time import utc
from ..errors import ResponseFormatError, warn
from ..schemas import SCHEMAS, to_frame, to_table
from ._coerce import is_iso_timestamp

__all__ = ["CANVAS_DEFAULT_DURATION", "CANVAS_MAX_DURATION", "field", "parse_duration", "statements_to_frame"]

CANVAS_DEFAULT_DURATION = timedelta(seconds=5)
CANVAS_MAX_DURATION = timedelta(minutes=5)
_AVERAGE_YEAR = timedelta(days=365.2425)
_LONGEST = pd.Timedelta.max.to_pytimedelta()  # timedelta64[ns]: one statement's duration must fit


def _lang(value: Any) -> str | None:
    """A language map's en-US text, else its first."""
    if isinstance(value, dict) and value:
        return str(value.get("en-US", next(iter(value.values()))))
    return value if isinstance(value, str) else None


def field(obj: Any, *keys: str) -> Any:
    """``obj[keys[0]][keys[1]]...``, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def parse_duration(text: Any, anchor: pd.Timestamp | None = None) -> timedelta:
    """An ISO 8601 duration as a timedelta; year/month parts resolved from ``anchor`` (see module doc)."""
    if not isinstance(text, str):
        raise ValueError(f"duration {text!r} is not a string")
    value = isodate.parse_duration(text)
    if isinstance(value, isodate.Duration):
        try:
            if anchor is not None and not pd.isna(anchor):
                value = value.totimedelta(start=anchor.to_pydatetime())
            else:
                months = float(value.years) * 12 + float(value.months)
                value = value.tdelta + months * (_AVERAGE_YEAR / 12)
        except (OverflowError, ValueError):  # P99999999Y: past what a datetime or timedelta holds
            raise ValueError(f"duration {text!r} is longer than a frame can hold (about 292 years)") from None
    if value < timedelta(0):
        raise ValueError(f"duration {text!r} is negative")
    if value > _LONGEST:
        raise ValueError(f"duration {text!r} is longer than a frame can hold (about 292 years)")
    return value


def statements_to_frame(
    statements: list[Any],
    *,
    strict: bool = False,
    source: str = "statements",
    positions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The transform behind :func:`read_statements` (pure: no I/O).

    ``positions`` names where each statement came from (``"line 7"`` of a file) for messages;
    by default its index (``"#3"``).
    """
    if not isinstance(statements, list):
        raise ResponseFormatError(source, f"expected a list of statements, got {type(statements).__name__}", statements)
    rows: list[dict[str, Any]] = []
    invalid: list[str] = []
    for number, s in enumerate(statements):
        where = positions[number] if positions is not None else f"#{number}"
        if not isinstance(s, dict):
            raise ResponseFormatError(source, f"statement {where} is {type(s).__name__}, not an object", s)
        sid = f"{s['id']} ({where})" if s.get("id") else where
        row: dict[str, Any] = {"statement_id": s.get("id")}
        for key in ("timestamp", "stored"):
            row[key] = _timestamp(s.get(key), key, sid, strict, invalid, source)
        actor: dict[str, Any] = s["actor"] if isinstance(s.get("actor"), dict) else {}
        row |= {
            "actor_name": actor.get("name"),
            "actor_mbox": actor.get("mbox"),
            "actor_account_home_page": field(actor, "account", "homePage"),
            "actor_account_name": field(actor, "account", "name"),
            "verb_id": field(s, "verb", "id"),
            "verb": _lang(field(s, "verb", "display")),
            "object_id": field(s, "object", "id"),
            "object_name": _lang(field(s, "object", "definition", "name")),
            "object_type": field(s, "object", "definition", "type") or field(s, "object", "objectType"),
            "result_score_scaled": _number(field(s, "result", "score", "scaled")),
            "result_success": _boolean(field(s, "result", "success")),
            "result_completion": _boolean(field(s, "result", "completion")),
            "context_registration": field(s, "context", "registration"),
        }
        raw = field(s, "result", "duration")
        duration = pd.NaT
        if raw is not None:
            try:
                duration = parse_duration(raw, None if pd.isna(row["timestamp"]) else row["timestamp"])
            except (ValueError, isodate.ISO8601Error, OverflowError) as exc:
                if strict:
                    raise ResponseFormatError(
                        source, f"statement {sid}: invalid result.duration ({exc})", raw
                    ) from None
                invalid.append(f"{sid}: duration {raw!r}")
        row["result_duration"] = duration
        row["canvas_duration"] = (
            CANVAS_DEFAULT_DURATION
            if raw is None
            else pd.NaT
            if pd.isna(duration)
            else min(duration, CANVAS_MAX_DURATION)
        )
        rows.append({k: (_text(v) if k in _TEXT else v) for k, v in row.items()})
    if invalid:
        warn(
            f"{len(invalid)} invalid timestamp(s) or duration(s) in {source} became NaT "
            f"(first: {invalid[0]}); pass strict=True to raise instead."
        )
    columns = {name: [r[name] for r in rows] for name in SCHEMAS["xapi_statements"].names}
    columns["timestamp"] = pd.DatetimeIndex(columns["timestamp"], tz="UTC").as_unit("us") if rows else []
    columns["stored"] = pd.DatetimeIndex(columns["stored"], tz="UTC").as_unit("us") if rows else []
    for key in ("result_duration", "canvas_duration"):
        columns[key] = pd.to_timedelta(pd.Series(columns[key], dtype=object)).astype("timedelta64[ns]")
    return to_frame(to_table(columns, "xapi_statements"))


def _timestamp(value: Any, key: str, sid: str, strict: bool, invalid: list[str], source: str) -> pd.Timestamp:
    if value is None:
        return pd.NaT
    try:
        if not isinstance(value, str) or not is_iso_timestamp(value):
            raise ValueError("not an ISO 8601 timestamp with a real offset")
        parsed = pd.Timestamp(value)
        return utc(parsed)
    except (ValueError, TypeError, OverflowError) as exc:
        if strict:
            raise ResponseFormatError(source, f"statement {sid}: invalid {key} ({exc})", value) from None
        invalid.append(f"{sid}: {key} {value!r}")
        return pd.NaT


# Text columns, from the schema: a malformed statement's number or object is kept as JSON text there.
_TEXT = frozenset(f.name for f in SCHEMAS["xapi_statements"] if f.type == pa.string())


def _text(value: Any) -> str | None:
    """Text columns hold text: a malformed statement's number or object is kept as its JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
