"""How the page-view log is pulled: which route serves which part, at the fewest bucket units.

Canvas serves a user's raw page views two ways (``shared/canvas-api.md``, and canvas-lms's
``page_views_controller.rb`` and ``app/services/page_views/*``):

- the **list**, only the last :data:`LIST_DAYS` days, paginated by bookmark, costing
  ``ceil(per_page × 0.0723) × 2`` units a page;
- the **History API**, whole months before the current one and at most :data:`HISTORY_MONTHS`
  back, asynchronously: a query (about 150 units), polls (5 each), one results file (50).

A :class:`Plan` splits ``[start, end)`` between them: the history API for the whole months
before the current one, the list for the current month. Each student's history is asked in
**one query spanning every month not yet cached** (a query's cost does not grow with its
months), split by month and cached per (student, month) for good: a past month never changes.
The list part is refetched on ``refresh=True``. What neither route can serve (older than twelve
months; on the 31st, the part of the current month older than 30 days) is a *gap*, which the
frame reports (a warning and ``attrs["page_view_log_gaps"]``).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from ._fanout import run_polled
from ._http import follow_pages
from ._pipeline import CHANGED, LoadOptions, cached_entry, store_entry
from ._progress import progress_bar
from ._provenance import Provenance
from .client import Canvas, http_date
from .errors import (
    AuthenticationError,
    CanvasAPIError,
    PermissionDenied,
    ResponseFormatError,
    ServerError,
    redact,
    warn,
)
from .schemas import empty_frame
from .transforms.page_view_log import HISTORY_FORMATS, history_records, page_view_log

__all__ = ["GAPS_ATTR", "HISTORY_MONTHS", "LIST_DAYS", "LIST_PAGE_SIZE", "Plan", "load_log", "plan"]

FRAME = "page_view_log"
LIST_DAYS = 30
HISTORY_MONTHS = 12
# A list page costs ceil(per_page × 0.0723) × 2 units, however few rows it holds: 193 rows (28
# units) is the cheapest per row of any page size up to Canvas's cap of 200, and a page that needs
# to hold r rows is cheapest at the largest size of r's price (page_size_for).
LIST_COST_PER_ROW = 0.0723
LIST_PAGE_SIZE = 193
MAX_PAGE_SIZE = 200
GAPS_ATTR = "page_view_log_gaps"
HISTORY_FORMAT = "jsonl"  # asked for: it carries app_name and session_id, which the CSV lacks
_NOT_AUTHORIZED = "user not authorized to perform that action"
_CONTENT_TYPES = {"text/csv": "csv", "application/jsonl": "jsonl", "application/x-ndjson": "jsonl"}
UTC = timezone.utc


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(day: datetime, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def month_key(day: datetime) -> str:
    return day.strftime("%Y-%m")


@dataclass(frozen=True)
class Plan:
    """Which route serves which part of ``[start, end)``, given Canvas's clock ``now``.

    Attributes
    ----------
    months : tuple of str
        ``YYYY-MM`` months the history API serves (whole months, rounded out from the range).
    list_from : datetime or None
        Where the list's part starts (it runs to ``now``); None when the range ends before the
        current month.
    gaps : tuple of (datetime, datetime, str)
        Parts of the range neither route serves, and why.
    """

    start: datetime
    end: datetime
    now: datetime
    months: tuple[str, ...]
    list_from: datetime | None
    gaps: tuple[tuple[datetime, datetime, str], ...]


def plan(start: datetime | None, end: datetime | None, now: datetime) -> Plan:
    """Split ``[start, end)`` between the history API and the list.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    >>> p = plan(datetime(2026, 8, 31, tzinfo=timezone.utc), None, now)
    >>> p.months, p.list_from.isoformat(), p.gaps
    (('2026-08', '2026-09', '2026-10'), '2026-11-01T00:00:00+00:00', ())
    """
    current = month_start(now)
    oldest = add_months(current, -HISTORY_MONTHS)
    start = oldest if start is None else start
    end = now if end is None or end > now else end
    gaps: list[tuple[datetime, datetime, str]] = []
    if start < oldest:
        gaps.append((start, min(oldest, end), f"older than the {HISTORY_MONTHS} months Canvas keeps"))
    months: list[str] = []
    month = month_start(max(start, oldest))
    while month < min(end, current):
        months.append(month_key(month))
        month = add_months(month, 1)
    list_from = None
    if end > current:
        list_from = max(start, current)
        floor = now - timedelta(days=LIST_DAYS)
        if floor > list_from:  # late in a 31-day month: the list no longer reaches the month's start
            why = f"in the current month but older than the list's {LIST_DAYS} days"
            gaps.append((list_from, min(floor, end), why))
            list_from = floor
    if list_from is not None and list_from >= end:
        list_from = None
    return Plan(start, end, now, tuple(months), list_from, tuple(gaps))


def canvas_now(canvas: Canvas, student_id: int) -> datetime:
    """Canvas's clock, from the ``Date`` of the cheapest request there is (one list row, 2 units).

    The list's 30 days and the history API's months are Canvas's, not this computer's.
    """
    _, response = canvas.request(canvas.url_for(f"users/{student_id}/page_views"), {"per_page": 1})
    return http_date(response.headers.get("Date")) or datetime.now(UTC)


# -- one student --------------------------------------------------------------------------------


def _explained(error: CanvasAPIError, student_id: int, what: str) -> CanvasAPIError:
    """The error with the student and the months in its advice; a 401 about the user is a 403's refusal."""
    refused = error.status in (401, 403) and (error.canvas_message or "").startswith(_NOT_AUTHORIZED)
    if not isinstance(error, (PermissionDenied, AuthenticationError)) and not refused and error.status is None:
        return error
    hint = f"Canvas would not give the page views of student {student_id} ({what}). " + (
        "This token may not read that user's page views: use an admin's token, or leave the student out "
        "with student_id=[...]."
        if refused or isinstance(error, PermissionDenied)
        else type(error).hint
    )
    cls = PermissionDenied if refused else type(error)
    return cls(error.status, error.url, error.canvas_message, error.error_report_id, hint=hint, service=error.service)


def page_size_for(rows: float) -> int:
    """The list page size that holds ``rows`` for the fewest units: the largest size of their price.

    Examples
    --------
    >>> [page_size_for(r) for r in (1, 14, 60, 193, 500)]
    [13, 27, 69, 193, 200]
    """
    price = max(1, math.ceil(min(max(rows, 1), MAX_PAGE_SIZE) * LIST_COST_PER_ROW - 1e-9))
    return min(MAX_PAGE_SIZE, int(price / LIST_COST_PER_ROW + 1e-9))


def _remaining_rows(rows: list[Any], since: datetime, now: datetime, expected: float | None) -> float | None:
    """How many rows the list still holds, from the rate of those read (newest first) over the span they cover."""
    if not rows:
        return expected
    oldest = pd.Timestamp(rows[-1].get("created_at")) if isinstance(rows[-1], dict) else None
    if oldest is None or pd.isna(oldest):
        return None
    covered = (pd.Timestamp(now) - oldest).total_seconds()
    left = (oldest - pd.Timestamp(since)).total_seconds()
    if covered <= 0:
        return None
    return max(0.0, len(rows) * left / covered)


def _list_part(
    canvas: Canvas, student_id: int, since: datetime, now: datetime, expected: float | None
) -> tuple[pd.DataFrame, list[str]]:
    """The list from ``since``, each page sized for the rows still expected (more, by a margin, so one more
    page is rarely needed): the list is charged by the page size asked for, not the rows sent."""
    params = {"start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ")}
    rows: list[Any] = []

    def read_page(url: str, first: bool) -> tuple[list[Any], str, str | None]:
        left = _remaining_rows(rows, since, now, expected)
        size = LIST_PAGE_SIZE if left is None else page_size_for(left * 1.15 + 3)
        asked = _with_page_size(url, size)
        data, response = canvas.request(asked, params if first else None)
        if not isinstance(data, list):
            raise ResponseFormatError(response.url, f"expected a JSON array, got {type(data).__name__}", data)
        return data, response.url, response.links.get("next", {}).get("url")

    first_url = canvas.url_for(f"users/{student_id}/page_views")
    for page in follow_pages(first_url, read_page, 'Link rel="next"', max_pages=canvas.transport.limits.max_pages):
        rows.extend(page)
    source = redact(first_url)
    frame = page_view_log(rows, student_id=student_id, source=source, via="list")
    return frame[frame["created_at"] >= pd.Timestamp(since)].reset_index(drop=True), [source]


def _with_page_size(url: str, size: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "per_page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("per_page", str(size))])))


def _query_history(canvas: Canvas, student_id: int, first: str, last: str) -> tuple[pd.DataFrame, str]:
    """One history query over the months ``first`` to ``last``: ask, poll until final, read the file."""
    start = datetime.strptime(first, "%Y-%m").replace(tzinfo=UTC)
    end = add_months(datetime.strptime(last, "%Y-%m").replace(tzinfo=UTC), 1)
    what = f"{first} to {last}" if first != last else first
    form = {
        "start_date": start.strftime("%Y-%m-%d"),
        "end_date": end.strftime("%Y-%m-%d"),
        "results_format": HISTORY_FORMAT,
    }
    created = canvas.post_query(f"users/{student_id}/page_views/query", form)
    poll_url = created.get("poll_url") if isinstance(created, dict) else None
    if not isinstance(poll_url, str):
        raise ResponseFormatError(canvas.url_for(f"users/{student_id}/page_views/query"), "no poll_url", created)
    waits = canvas.waits()
    while True:
        status, _ = canvas.request(canvas.url_for(poll_url))
        state = str(status.get("status", "")).lower() if isinstance(status, dict) else ""
        if state == "finished":
            break
        if state == "failed":
            raise ServerError(
                None,
                canvas.url_for(poll_url),
                str(status.get("error_code") or "no error code"),
                detail=f"the page-view history query for student {student_id} ({what}) failed",
                hint="Canvas's page-view service failed on its side; try again later.",
            )
        if next(waits, StopIteration) is StopIteration:  # any other status is still pending
            raise ServerError(
                None,
                canvas.url_for(poll_url),
                detail=f"the page-view history query for student {student_id} ({what}) was not finished after "
                f"{canvas.poll_timeout:g}s (last status {state!r})",
                hint="Try again later, or give cf.connect(poll_timeout=...) more seconds.",
            )
    results_url = status.get("results_url") or poll_url.rstrip("/") + "/results"
    content, response = canvas.get_bytes(str(results_url))
    source = canvas.url_for(str(results_url))
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    file_format = _CONTENT_TYPES.get(kind) or str(status.get("format", "")).lower()
    if response.status_code == 204 or not content:
        return empty_frame(FRAME), source
    if file_format not in HISTORY_FORMATS:
        problem = f"the page-view file's format is {kind or file_format!r}, not CSV or JSON Lines"
        raise ResponseFormatError(source, problem)
    records = history_records(content, file_format, source=source, max_bytes=canvas.transport.limits.max_body)
    return page_view_log(records, student_id=student_id, source=source, via="history"), source


def _deduplicated(frame: pd.DataFrame, student_id: int, repeats: Counter[int]) -> pd.DataFrame:
    """Each request once; how many were sent twice is counted per student, for one warning per load."""
    repeated = frame.duplicated("request_id", keep="first")
    if repeated.any():
        repeats[student_id] += int(repeated.sum())
        frame = frame[~repeated].reset_index(drop=True)
    return frame


def _history(
    student_id: int, months: tuple[str, ...], options: LoadOptions, repeats: Counter[int]
) -> list[pd.DataFrame]:
    """The student's months, cached ones as they are (a past month never changes), the rest in one query."""
    kept = replace(options, refresh=False, max_age=None)
    parts = {m: cached_entry(FRAME, {"user_id": student_id, "month": m}, kept) for m in months}
    missing = [m for m, part in parts.items() if part is None]
    if missing:
        what = f"{missing[0]} to {missing[-1]}"
        try:
            fetched, source = _query_history(options.canvas, student_id, missing[0], missing[-1])
        except CanvasAPIError as error:
            raise _explained(error, student_id, what) from None
        fetched = _deduplicated(fetched, student_id, repeats)
        by_month = fetched["created_at"].dt.strftime("%Y-%m")
        for month in missing:
            part = fetched[by_month == month].reset_index(drop=True)
            store_entry(options.canvas, {FRAME: part}, {"user_id": student_id, "month": month}, [source])
            parts[month] = part
    return [parts[m] for m in months]


def _recent(
    student_id: int, since: datetime, route: Plan, options: LoadOptions, repeats: Counter[int], expected: float | None
) -> pd.DataFrame:
    """The list's part from ``since``, from the cache unless it is refreshed or stale."""
    unit = {"user_id": student_id, "list_from": since.strftime("%Y-%m-%dT%H:%M:%SZ")}
    cached = cached_entry(FRAME, unit, options)
    if cached is not None:
        return cached
    try:
        frame, urls = _list_part(options.canvas, student_id, since, route.now, expected)
    except CanvasAPIError as error:
        raise _explained(error, student_id, f"since {unit['list_from']}") from None
    frame = _deduplicated(frame, student_id, repeats)
    store_entry(options.canvas, {FRAME: frame}, unit, urls)
    return frame


def _expected_rows(history: list[pd.DataFrame], route: Plan) -> float | None:
    """The rows the list should hold, at the pace of the student's last month of history (None without one)."""
    if not history or route.list_from is None:
        return None
    last = history[-1]
    return len(last) * (route.now - route.list_from).total_seconds() / (31 * 86400)


def _student_log(student_id: int, route: Plan, options: LoadOptions, repeats: Counter[int]) -> pd.DataFrame:
    parts = _history(student_id, route.months, options, repeats)
    keys = [{"student_id": student_id, "month": month} for month in route.months]
    if route.list_from is not None:
        parts.append(_recent(student_id, route.list_from, route, options, repeats, _expected_rows(parts, route)))
        keys.append({"student_id": student_id, "list_from": route.list_from.strftime("%Y-%m-%dT%H:%M:%SZ")})
    origin = Provenance.merged(FRAME, [Provenance.of(p) for p in parts])
    if options.refresh == CHANGED:  # the signal is time itself: a past month never changes
        cached = [Provenance.of(p).from_cache for p in parts]
        reused = [k for k, hit in zip(keys, cached, strict=True) if hit]
        origin = replace(origin, changed={"signal": "past months never change", "reused": reused,
                                          "refetched": [k for k in keys if k not in reused]})  # fmt: skip
    frames = [p for p in parts if len(p)] or [empty_frame(FRAME)]
    combined = pd.concat(frames, ignore_index=True)
    inside = (combined["created_at"] >= pd.Timestamp(route.start)) & (combined["created_at"] < pd.Timestamp(route.end))
    log = combined[inside].sort_values(["created_at", "request_id"], kind="stable").reset_index(drop=True)
    log.attrs.clear()
    return origin.attach(log)


def load_log(
    course_ids: list[int],
    students: dict[int, list[int]],
    start: datetime | None,
    end: datetime | None,
    only_course: bool,
    options: LoadOptions,
) -> pd.DataFrame:
    """Every asked course's students' logs, concurrently under the session's one governor."""
    canvas = options.canvas
    everyone = list(dict.fromkeys(s for c in course_ids for s in students[c]))
    if not everyone:
        return empty_frame(FRAME)
    try:
        now = datetime.now(UTC) if canvas.offline else canvas_now(canvas, everyone[0])
    except CanvasAPIError as error:
        raise _explained(error, everyone[0], "the current month") from None
    route = plan(start, end, now)
    repeats: Counter[int] = Counter()  # only ever incremented (one key per thread): no lock needed
    calls = [functools.partial(_student_log, s, route, options, repeats) for s in everyone]
    bar = progress_bar(f"page views: {len(everyone)} students", "student") if options.progress else None
    logs = dict(zip(everyone, run_polled(canvas, calls, progress=bar), strict=True))
    pieces = []
    for course_id in course_ids:
        for student in students[course_id]:
            log = logs[student]
            pieces.append(log[log["course_id"] == course_id] if only_course else log)
    result = pd.concat(pieces, ignore_index=True) if pieces else empty_frame(FRAME)
    if not only_course:
        result = result.drop_duplicates(["student_id", "request_id"], ignore_index=True)
    if repeats:
        warn(
            f"page views: {sum(repeats.values())} request(s) of {len(repeats)} student(s) were sent twice (Canvas "
            "calls its page-view data best-effort); each is kept once."
        )
    gaps = [(a.isoformat(), b.isoformat(), why) for a, b, why in route.gaps]
    for a, b, why in gaps:
        warn(f"page views from {a} to {b} are not in the frame: {why}; neither Canvas route serves them.")
    result.attrs.clear()
    Provenance.merged(FRAME, [Provenance.of(log) for log in logs.values()]).attach(result)
    result.attrs[GAPS_ATTR] = gaps
    return result
