"""Canvas's page views: the 30-day list and the asynchronous PageView History API (beta).

Read from canvas-lms before writing (where the code and the docs disagree, the code wins):

- ``app/controllers/page_views_controller.rb``: the list is the user's page views newest first,
  ``start_time``/``end_time`` both inclusive, paginated by an opaque bookmark (no ``last`` link).
- ``app/services/page_views/enqueue_query_service.rb``: a query takes ``YYYY-MM-DD`` dates (any
  other text is refused) and the service answers 201 with the query's location;
  ``poll_query_service.rb``: the poll's ``status`` and ``format`` are the service's own words;
  ``fetch_result_service.rb``: the file's format is the ``Content-Type`` the service sends, and it
  is compressed when the filename (``Content-Disposition``) ends in ``.gz``.
- ``app/models/page_view.rb``: ``EXPORTED_COLUMNS``, the CSV's columns (no app name, no session).

What the sandbox charges per action follows ``shared/canvas-api.md`` (the newest controller's
costs): :data:`QUERY_COST`, :data:`POLL_COST`, :data:`RESULTS_COST` and :func:`list_cost`.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import itertools
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .answers import HTTPAnswer, Query, Reply
from .clickstream import PageViewRow, user_log
from .model import UTC
from .views import iso

__all__ = [
    "EXPORTED_COLUMNS",
    "HISTORY_MONTHS",
    "LIST_DAYS",
    "POLL_COST",
    "QUERY_COST",
    "RESULTS_COST",
    "PageViewService",
    "list_cost",
]

LIST_DAYS = 30  # the list serves only this many days back, whatever start_time says
HISTORY_MONTHS = 12
QUERY_COST, POLL_COST, RESULTS_COST = 150.0, 5.0, 50.0
MAX_PER_PAGE = 200
EXPORTED_COLUMNS = [
    *("request_id", "user_id", "url", "context_id", "context_type", "asset_id", "asset_type", "controller"),
    *("action", "contributed", "interaction_seconds", "created_at", "user_request", "render_time", "user_agent"),
    *("participated", "account_id", "real_user_id", "http_method", "remote_ip"),
]
MALFORMED = {"errors": [{"message": "Page Views received an invalid or malformed request."}]}
NOT_AUTHORIZED = {"errors": [{"message": "user not authorized to perform that action"}], "status": "unauthorized"}
PENDING_WORDS = ("queued", "running", "processing")  # the service's and the docs' words differ
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl"}


def list_cost(per_page: int) -> float:
    """What one list page costs in the token bucket."""
    return math.ceil(per_page * 0.0723) * 2.0


@dataclass
class HistoryQuery:
    query_id: str
    user_id: int
    start: datetime
    end: datetime
    format: str  # what the service will produce (not always what was asked)
    polls_left: int
    failed: bool = False


@dataclass
class PageViewService:
    """The page-view service of one sandbox: each user's log (made on first use) and the history queries."""

    world: Any
    site: str
    lock: threading.Lock
    cost_scale: float = 1.0  # SandboxSettings.page_view_cost_scale
    duplicates: bool = True  # SandboxSettings.page_view_duplicates
    polls: int = 2  # pending polls before a query is finished
    served_format: str | None = None  # the service's own choice of format, whatever was asked
    gzip_results: bool = False
    unreadable: set[int] = field(default_factory=set)  # users the token may not read
    auth_401: bool = False  # answer 401, not 403, for those (instances without api_auth_error_updates)
    failing: set[int] = field(default_factory=set)  # users whose history queries fail
    now: datetime | None = None  # the service's clock; the institution's as-of time when None
    queries: dict[str, HistoryQuery] = field(default_factory=dict)
    charged: float = 0.0  # every unit the service has charged, for tests and benchmarks
    _logs: dict[int, list[PageViewRow]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def charge(self, units: float) -> float:
        """What an action costs at this service's scale; every charge is added up in :attr:`charged`."""
        cost = units * self.cost_scale
        with self.lock:
            self.charged += cost
        return cost

    def clock(self) -> datetime:
        return self.now or self.world.as_of

    def log(self, user_id: int) -> list[PageViewRow]:
        """Every request of the user, oldest first; 404 for a user nobody knows."""
        with self.lock:
            if user_id not in self._logs:
                if not any(user_id in c.enrollments for c in self.world.courses.values()):
                    raise HTTPAnswer(404, {"errors": [{"message": "The specified resource does not exist."}]})
                self._logs[user_id] = user_log(self.world, user_id, self.site)
            return self._logs[user_id]

    def served(self, user_id: int) -> list[PageViewRow]:
        """What the service hands out for the user: its log with each duplicated row twice."""
        twice = self.duplicates
        return [copy for row in self.log(user_id) for copy in ((row, row) if twice and row.duplicated else (row,))]

    def check_reader(self, user_id: int) -> None:
        if user_id in self.unreadable:
            raise HTTPAnswer(401 if self.auth_401 else 403, NOT_AUTHORIZED)

    def month_floor(self) -> datetime:
        """The first day of the current month: the history API serves only months before it."""
        return self.clock().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# -- the JSON of one page view (lib/api/v1/page_view.rb) -------------------------------------------


def page_view_json(row: PageViewRow) -> dict:
    return {
        "id": row.request_id,
        "url": row.url,
        "context_type": row.context_type,
        "asset_type": row.asset_type,
        "controller": row.controller,
        "action": row.action,
        "contributed": False,
        "interaction_seconds": row.interaction_seconds,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.created_at + timedelta(seconds=row.interaction_seconds)),
        "user_request": row.user_request,
        "render_time": row.render_time,
        "user_agent": row.user_agent,
        "participated": row.participated,
        "http_method": row.http_method,
        "remote_ip": row.remote_ip,
        "app_name": row.app_name,
        "session_id": row.session_id,
        "links": {
            "user": row.user_id,
            "context": row.context_id,
            "asset": row.asset_id,
            "real_user": row.real_user_id,
            "account": row.account_id,
        },
    }


def _csv_value(value: Any) -> str:
    if value is None or value is False:
        return ""  # Rails' to_csv writes nil and false as empty fields
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def export_csv(rows: list[PageViewRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORTED_COLUMNS)
    for row in rows:
        values = {"contributed": False, **{name: getattr(row, name, None) for name in EXPORTED_COLUMNS}}
        writer.writerow([_csv_value(values[name]) for name in EXPORTED_COLUMNS])
    return out.getvalue().encode()


def export_jsonl(rows: list[PageViewRow]) -> bytes:
    return "".join(json.dumps(page_view_json(row)) + "\n" for row in rows).encode()


# -- the list: GET /api/v1/users/:user_id/page_views ------------------------------------------------


def _time(q: Query, key: str) -> datetime | None:
    text = q.get(key)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPAnswer(400, MALFORMED) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bookmark(row: PageViewRow) -> str:
    key = json.dumps([iso(row.created_at), row.request_id]).encode()
    return "bookmark:" + base64.urlsafe_b64encode(key).decode().rstrip("=")


def _after_bookmark(text: str) -> tuple[str, str]:
    try:
        raw = text.removeprefix("bookmark:")
        created, request_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return str(created), str(request_id)
    except (ValueError, TypeError):
        raise HTTPAnswer(400, MALFORMED) from None


def page_views(service: PageViewService, url: str, q: Query, user_id: int) -> Reply:
    rows = service.served(user_id)
    service.check_reader(user_id)
    now = service.clock()
    start, end = _time(q, "start_time"), _time(q, "end_time")
    if (start and start > now) or (start and end and end < start):
        raise HTTPAnswer(400, MALFORMED)
    floor = max(now - timedelta(days=LIST_DAYS), start or now - timedelta(days=LIST_DAYS))
    top = min(now, end) if end else now
    chosen = [r for r in rows if floor <= r.created_at <= top]
    chosen.sort(key=lambda r: (r.created_at, r.request_id), reverse=True)
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(q.get("per_page", 10))))
    except ValueError:
        raise HTTPAnswer(400, MALFORMED) from None
    if q.get("page", "first") != "first":
        created, request_id = _after_bookmark(q["page"])
        chosen = [r for r in chosen if (iso(r.created_at), r.request_id) < (created, request_id)]
    shown = chosen[:per_page]
    # A duplicated row and its copy always share a page: the bookmark is the key of the last row shown.
    if len(chosen) > per_page and chosen[per_page] is shown[-1]:
        shown.append(chosen[per_page])
    query = {k: v for k, v in q.items() if k not in ("page", "access_token")} | {"per_page": str(per_page)}

    def link(page: str) -> str:
        return url + "?" + "&".join(f"{k}={v}" for k, v in (query | {"page": page}).items())

    rels = [("current", q.get("page", "first"))]
    if len(chosen) > len(shown):
        rels.append(("next", _bookmark(shown[-1])))
    rels.append(("first", "first"))
    header = ",".join(f'<{link(page)}>; rel="{rel}"' for rel, page in rels)
    cost = service.charge(list_cost(per_page))
    return Reply(200, [page_view_json(r) for r in shown], {"Link": header}, cost=cost)


# -- the history API: POST .../page_views/query, GET .../query/:id, GET .../query/:id/results -------


def _first_of_month(form: dict[str, list[str]], key: str) -> datetime:
    text = (form.get(key) or [""])[-1]
    if not _DAY.fullmatch(text):
        raise HTTPAnswer(400, MALFORMED)
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise HTTPAnswer(400, MALFORMED) from None
    if day.day != 1:
        raise HTTPAnswer(400, {"errors": [{"message": f"{key} must be the first day of a month"}]})
    return day


def _months_before(day: datetime, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1)


def create_query(service: PageViewService, form: dict[str, list[str]], user_id: int) -> Reply:
    service.log(user_id)
    service.check_reader(user_id)
    start, end = _first_of_month(form, "start_date"), _first_of_month(form, "end_date")
    asked = (form.get("results_format") or ["csv"])[-1]
    if asked not in _TYPES:
        raise HTTPAnswer(400, MALFORMED)
    floor = service.month_floor()
    if end <= start:
        raise HTTPAnswer(400, {"errors": [{"message": "end_date must be after start_date"}]})
    if end > floor:
        raise HTTPAnswer(400, {"errors": [{"message": "Cannot query page views of the current or a future month"}]})
    if start < _months_before(floor, HISTORY_MONTHS):
        raise HTTPAnswer(500, {"errors": [{"message": "Page views older than 12 months are not available"}]})
    with service.lock:
        query_id = f"q{next(service._ids):06d}"
        service.queries[query_id] = HistoryQuery(
            query_id, user_id, start, end, service.served_format or asked, service.polls, user_id in service.failing
        )
    poll = f"/api/v1/users/{user_id}/page_views/query/{query_id}"
    return Reply(201, {"poll_url": poll}, {"Location": poll}, cost=service.charge(QUERY_COST))


def _query(service: PageViewService, user_id: int, query_id: str) -> HistoryQuery:
    found = service.queries.get(query_id)
    if found is None or found.user_id != user_id:
        raise HTTPAnswer(404, {"errors": [{"message": "The specified resource does not exist."}]})
    return found


def poll_query(service: PageViewService, user_id: int, query_id: str) -> Reply:
    found = _query(service, user_id, query_id)
    with service.lock:
        waiting = found.polls_left
        found.polls_left = max(0, waiting - 1)
    body: dict[str, Any] = {"query_id": query_id, "format": found.format}
    if waiting:
        body["status"] = PENDING_WORDS[(service.polls - waiting) % len(PENDING_WORDS)]
    elif found.failed:
        body |= {"status": "failed", "error_code": "QUERY_EXECUTION_FAILED"}
    else:
        body |= {"status": "finished", "results_url": f"/api/v1/users/{user_id}/page_views/query/{query_id}/results"}
    return Reply(200, body, cost=service.charge(POLL_COST))


def query_results(service: PageViewService, user_id: int, query_id: str) -> Reply:
    found = _query(service, user_id, query_id)
    if found.polls_left or found.failed:
        raise HTTPAnswer(400, {"errors": [{"message": "The query has not finished"}]})
    rows = [r for r in service.served(user_id) if found.start <= r.created_at < found.end]
    if not rows:
        return Reply(204, b"", cost=service.charge(RESULTS_COST))
    data = export_csv(rows) if found.format == "csv" else export_jsonl(rows)
    name = f"pageviews-{query_id}.{found.format}"
    if service.gzip_results:
        data, name = gzip.compress(data), name + ".gz"
    headers = {"Content-Type": _TYPES[found.format], "Content-Disposition": f'attachment; filename="{name}"'}
    return Reply(200, data, headers, cost=service.charge(RESULTS_COST))
