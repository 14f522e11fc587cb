"""Raw page views (one request each) -> the ``page_view_log`` frame.

Canvas sends them in three shapes, all read here:

- the list (``GET /users/:id/page_views``) and the history API's JSON Lines: canvas-lms's
  ``page_view_json`` (``lib/api/v1/page_view.rb``), ids under ``links``;
- the history API's CSV: ``PageView::EXPORTED_COLUMNS`` (``app/models/page_view.rb``), flat
  ``*_id`` columns, ``created_at`` as ``YYYY-MM-DD HH:MM:SS UTC``, nil and false both written as
  an empty field, and no ``app_name`` or ``session_id`` (NA, never invented).

An empty ``participated`` or ``user_request`` in a CSV is read as false: Canvas writes false and
nil alike there, and for these flags both mean "no".
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from typing import Any, Literal

import pandas as pd

from ..errors import ResponseFormatError
from ._coerce import as_bool, as_float, as_int, as_str, bad, build, utc_timestamps

__all__ = ["HISTORY_FORMATS", "PAGE_VIEW_LOG_ORDER", "history_records", "page_view_log"]

PAGE_VIEW_LOG_ORDER = ("student_id", "created_at", "request_id")
HISTORY_FORMATS = ("jsonl", "csv")
Source = Literal["list", "history"]
_CSV_TIME = "%Y-%m-%d %H:%M:%S UTC"
_GZIP_MAGIC = b"\x1f\x8b"


def _text_flag(value: Any, key: str, source: str) -> bool | None:
    """A flag from JSON (true/false/null) or a CSV field ("true", "false" or empty, meaning no)."""
    if isinstance(value, str):
        if value.lower() in ("true", "t", "1"):
            return True
        if value.lower() in ("", "false", "f", "0"):
            return False
        raise bad(source, f"{key!r} is {value!r}, expected true, false or an empty field", value)
    return as_bool(value, key, source)


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _seconds(values: list[Any], key: str, source: str) -> Any:
    numbers = [as_float(_blank_is_none(v), key, source) for v in values]
    return pd.to_timedelta(pd.Series(numbers, dtype="float64"), unit="s").dt.round("us").array


def _created(values: list[Any], source: str) -> pd.DatetimeIndex:
    """ISO 8601 (the JSON) or Canvas's CSV export format, as UTC."""
    csv_style = [isinstance(v, str) and v.endswith(" UTC") for v in values]
    if not any(csv_style):
        return utc_timestamps(values, "created_at", source)
    if not all(csv_style):
        raise bad(source, "'created_at' mixes Canvas's CSV time format with another", values[:3])
    try:
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format=_CSV_TIME, utc=True)
    except (ValueError, TypeError) as exc:
        raise bad(source, f"'created_at' holds a value that is not 'YYYY-MM-DD HH:MM:SS UTC' ({exc})") from None
    return pd.DatetimeIndex(parsed).as_unit("us")


def _link(row: dict, link: str, flat: str) -> Any:
    """An id from the JSON's ``links`` object, else the CSV's flat column."""
    links = row.get("links")
    if isinstance(links, dict) and link in links:
        return links[link]
    return _blank_is_none(row.get(flat))


def page_view_log(rows: Any, *, student_id: int, source: str = "page views", via: Source = "list") -> pd.DataFrame:
    """One student's page views (any of Canvas's shapes) as ``page_view_log`` rows, oldest first.

    Examples
    --------
    >>> row = {"id": "6e0c-1", "url": "https://canvas.test/courses/7", "context_type": "Course",
    ...        "created_at": "2026-09-01T10:00:00Z", "interaction_seconds": 12.5, "user_request": True,
    ...        "participated": False, "http_method": "get", "links": {"context": 7, "user": 42}}
    >>> log = page_view_log([row], student_id=42, source="page_views")
    >>> log[["course_id", "student_id", "interaction_time", "source"]]
       course_id  student_id       interaction_time source
    0          7          42 0 days 00:00:12.500000   list
    """
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise bad(source, "expected a JSON array of page views (objects)", rows)

    def text(key: str) -> list[str | None]:
        return [as_str(_blank_is_none(r.get(key)), key, source) for r in rows]

    def ids(link: str, flat: str) -> list[int | None]:
        return [as_int(_link(r, link, flat), flat, source, default=None) for r in rows]

    request_ids = [as_str(r.get("id", r.get("request_id")), "id", source) for r in rows]
    if any(not value for value in request_ids):
        raise bad(source, "a page view has no id (its request id)", rows[:1])
    context_type, context_id = text("context_type"), ids("context", "context_id")
    course = [c if t == "Course" else None for t, c in zip(context_type, context_id, strict=True)]
    # "interaction_seconds" is never null on Canvas (it defaults to 5); a null is kept as NaT, not filled.
    columns = {
        "course_id": course,
        "student_id": [student_id] * len(rows),
        "request_id": request_ids,
        "created_at": _created([r.get("created_at") for r in rows], source),
        "url": text("url"),
        "context_type": context_type,
        "context_id": context_id,
        "asset_type": text("asset_type"),
        "asset_id": ids("asset", "asset_id"),
        "controller": text("controller"),
        "action": text("action"),
        "http_method": text("http_method"),
        "interaction_time": _seconds([r.get("interaction_seconds") for r in rows], "interaction_seconds", source),
        "render_time": _seconds([r.get("render_time") for r in rows], "render_time", source),
        "participated": [_text_flag(r.get("participated"), "participated", source) for r in rows],
        "user_request": [_text_flag(r.get("user_request"), "user_request", source) for r in rows],
        "user_agent": text("user_agent"),
        "app_name": text("app_name"),
        "remote_ip": text("remote_ip"),
        "real_user_id": ids("real_user", "real_user_id"),
        "session_id": text("session_id"),
        "source": [via] * len(rows),
    }
    return build("page_view_log", columns, PAGE_VIEW_LOG_ORDER)


def _inflate(content: bytes, source: str, max_bytes: int) -> bytes:
    """A gzip file's content, never more than ``max_bytes`` (a small file can inflate enormously)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, max_bytes + 1)
    except zlib.error as exc:
        raise bad(source, f"the page-view file is not valid gzip ({exc})") from None
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise bad(source, f"the page-view file is larger than {max_bytes} bytes once decompressed (Limits.max_body)")
    return data


def history_records(content: bytes, file_format: str, *, source: str, max_bytes: int) -> list[dict]:
    """The rows of a history API results file: CSV or JSON Lines, gzip-compressed or not.

    ``file_format`` is what the service reported (the poll's ``format``, or the answer's
    ``Content-Type``), which may differ from what was asked for.

    Examples
    --------
    >>> data = b'request_id,url,created_at\\n"ab-1","https://x.test/a,b",2026-09-01 10:00:00 UTC\\n'
    >>> history_records(data, "csv", source="results", max_bytes=2**20)
    [{'request_id': 'ab-1', 'url': 'https://x.test/a,b', 'created_at': '2026-09-01 10:00:00 UTC'}]
    """
    if content[:2] == _GZIP_MAGIC:
        content = _inflate(content, source, max_bytes)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad(source, f"the page-view file is not UTF-8 text ({exc})") from None
    if file_format == "csv":
        try:
            return [dict(row) for row in csv.DictReader(io.StringIO(text, newline=""), strict=True)]
        except csv.Error as exc:
            raise bad(source, f"the page-view CSV cannot be read ({exc})") from None
    if file_format == "jsonl":
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                raise bad(source, f"line {number} of the page-view JSON Lines file is not JSON", line[:200]) from None
        return records
    raise ResponseFormatError(source, f"the page-view service reported the format {file_format!r}, not csv or jsonl")
