"""How the sandbox answers one HTTP request, in Canvas's order of checks.

A GET goes through: fault injection → authentication → the throttle → the route's
view → pagination → string ids → the answer. POSTs go to the xAPI, LRS and LTI token
services. Each step is one method, so a test can name the step a behaviour comes from.
"""

from __future__ import annotations

import email.utils
import functools
import gzip
import json
import re
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .faults import FaultKind
from .lti import UNAUTHORIZED
from .roster_views import without_grades
from .routes import (
    NOT_FOUND,
    Found,
    HTTPAnswer,
    Paged,
    Query,
    Reply,
    Request,
    find,
    initial_post_required,
    server_error,
)
from .state import SandboxState

__all__ = ["Handler", "stringify_ids"]

_ID_KEY = re.compile(r"(^id$|_id$)")
_IDS_KEY = re.compile(r"_ids$")
_FAULT_MESSAGES = {
    "401": "Invalid access token.",
    "403": "user not authorized to perform that action",
    "404": "The specified resource does not exist.",
}
Answer = tuple[int, Any, dict[str, str]]
# A view's fixed charge travels to do_GET in this header; the client sees it as X-Request-Cost.
_FIXED_COST = "X-Sandbox-Cost"
PAGE_VIEWS_THROTTLED = {"errors": [{"message": "Page Views rate limit exceeded"}]}


def stringify_ids(value: Any) -> Any:
    """What Canvas sends for ``Accept: application/json+canvas-string-ids``."""
    if isinstance(value, list):
        return [stringify_ids(v) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if _ID_KEY.search(k) and isinstance(v, int) and not isinstance(v, bool):
                out[k] = str(v)
            elif _IDS_KEY.search(k) and isinstance(v, list):
                out[k] = [str(x) if isinstance(x, int) else x for x in v]
            else:
                out[k] = stringify_ids(v)
        return out
    return value


@functools.cache
def _gzip_bomb() -> bytes:
    return gzip.compress(b"0" * (64 * 2**20), compresslevel=9)


def _cost_header(reply: Reply) -> dict[str, str]:
    return {} if reply.cost is None else {_FIXED_COST: repr(reply.cost)}


def bearer_token(authorization: str, query: dict[str, str]) -> str | None:
    """The token of a request: the ``Authorization: Bearer`` header, else ``access_token=`` (Canvas accepts both)."""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return query.get("access_token")


class Handler(BaseHTTPRequestHandler):
    """Answers requests for one :class:`~canvasframe.sandbox.SandboxState` (set as ``sandbox`` on a subclass)."""

    sandbox: SandboxState
    protocol_version = "HTTP/1.1"  # keep-alive, as Canvas behind its load balancer
    server_version = "canvasframe-sandbox"
    # Headers and body leave in separate writes; with Nagle's algorithm on, the second waits for
    # the client's delayed ACK (~40 ms), and every answer would be slower than server_time says.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read request_log instead
        pass

    # -- GET ---------------------------------------------------------------------------------

    def do_GET(self) -> None:
        sandbox = self.sandbox
        parts = urlsplit(self.path)
        query = Query(parse_qs(parts.query))
        sandbox.record(parts.path, query)
        fault = self.sandbox.faults.draw(parts.path)
        if not self._delay_or_drop(fault):
            return
        found = find("GET", parts.path)
        if found is not None and not found.route.canvas:  # the LRS: its own (Basic) auth, no Canvas throttle
            if not self._server_fault(parts.path, fault):
                self._send_service_answer(found(sandbox, self._request(parts.path, query)))
            return
        token = bearer_token(self.headers.get("Authorization", ""), query)
        role = self._authenticate(token, parts.path)
        if role is None:
            return
        bucket = sandbox.throttle.bucket(token or "")
        if self._refused_by_throttle(bucket, fault) or self._hostile_answer(parts.path, fault):
            return
        started, started_cpu = time.monotonic(), time.thread_time()
        status, body, headers = self._answer(found, parts.path, query, role, fault)
        # server_time is the whole request, the sandbox's own work included: Canvas's app servers
        # do not share one interpreter lock among a client's concurrent requests, so the answer is
        # made first and the rest of server_time is waited out (as database time is, on Canvas).
        waited = max(0.0, sandbox.settings.server_time - (time.monotonic() - started))
        if waited:
            time.sleep(waited)
        fixed = headers.pop(_FIXED_COST, None)  # a cost Canvas charges by action, not by time
        cost = float(fixed) if fixed is not None else waited + (time.thread_time() - started_cpu)
        remaining = bucket.settle(cost) if sandbox.throttle.config.enabled else bucket.remaining()
        headers |= {"X-Rate-Limit-Remaining": f"{remaining:.2f}", "X-Request-Cost": f"{cost:.6f}"}
        if "canvas-string-ids" in self.headers.get("Accept", ""):
            body = stringify_ids(body)
        self._send(status, body, headers, fault)

    def _delay_or_drop(self, fault: FaultKind | None) -> bool:
        """Apply the plan's latency, and a reset or hang fault. False: the connection is gone."""
        faults = self.sandbox.faults
        if faults.latency:
            time.sleep(faults.latency)
        if fault in ("reset", "timeout"):
            if fault == "timeout":
                time.sleep(faults.hang)
            self._reset()
            return False
        return True

    def _server_fault(self, path: str, fault: FaultKind | None) -> bool:
        """True after answering a 5xx fault (for the services that have no Canvas token: LRS, OAuth, xAPI)."""
        if fault not in ("500", "502", "503"):
            return False
        self._send(int(fault), server_error(len(path)), {})
        return True

    def _authenticate(self, token: str | None, path: str) -> str | None:
        """The token's role, or None after answering 401 in the shape of the API asked."""
        sandbox = self.sandbox
        role = sandbox.tokens.get(token or "") or ("lti" if sandbox.lti.valid(token) else None)
        if role is None and path.startswith("/api/lti/"):
            self._send(401, UNAUTHORIZED, {})
        elif role is None:
            self._send(
                401,
                {"errors": [{"message": "Invalid access token."}]},
                {"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
            )
        return role

    def _hostile_answer(self, path: str, fault: FaultKind | None) -> bool:
        """True after answering as a hostile server: a redirect elsewhere, or an error body with a huge number."""
        if fault == "redirect-away":
            self._send_raw(
                302, b"", "text/plain", {"Location": f"http://127.0.0.2:{urlsplit(self.sandbox.url).port}{self.path}"}
            )
        elif fault == "huge-error-id":
            body = b'{"errors": [{"message": "An error occurred."}], "error_report_id": 1e400}'
            self._send_raw(500, body, "application/json", {})
        else:
            return False
        return True

    def _refused_by_throttle(self, bucket: Any, fault: FaultKind | None) -> bool:
        """True after answering a throttled request (a fault, or the bucket's own rule)."""
        sandbox = self.sandbox
        throttling_faults = ("429", "403-throttle", "retry-after-huge")
        if fault not in throttling_faults and (not sandbox.throttle.config.enabled or bucket.admit()):
            return False
        with sandbox.lock:
            sandbox.throttle.refused += 1
        legacy = fault == "403-throttle" or (fault is None and sandbox.throttle.config.legacy_403)
        if legacy:
            status, text = 403, "403 Forbidden (Rate Limit Exceeded)"
        else:
            status, text = 429, "429 Too Many Requests (Rate Limit Exceeded)"
        headers = {"X-Rate-Limit-Remaining": f"{bucket.remaining():.2f}"}
        if fault == "retry-after-huge":
            headers["Retry-After"] = "1e9"  # 31 years
        self._send_raw(status, text.encode(), "text/plain; charset=utf-8", headers)
        return True

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header: the page-view service's clock (the sample's as-of time), as the
        client reads what "now" is on this Canvas (the last 30 days, the current month)."""
        return email.utils.formatdate(self.sandbox.page_views.clock().timestamp(), usegmt=True)

    def _answer(self, found: Found | None, path: str, query: Query, role: str, fault: FaultKind | None) -> Answer:
        if fault == "page-views-429":  # the page-view service's own limit: no Retry-After
            return 429, PAGE_VIEWS_THROTTLED, {}
        if fault in ("500", "502", "503"):
            return int(fault), server_error(len(path)), {}
        if fault in _FAULT_MESSAGES:
            return int(fault), {"errors": [{"message": _FAULT_MESSAGES[fault]}]}, {}
        if role == "no-analytics":
            return 403, {"errors": [{"message": _FAULT_MESSAGES["403"]}], "status": "unauthorized"}, {}
        if role == "student" and initial_post_required(self.sandbox, path):
            return 403, "require_initial_post", {}  # Canvas's body here is a bare JSON string
        try:
            if found is None:
                raise HTTPAnswer(404, NOT_FOUND)
            result = found(self.sandbox, query)
        except HTTPAnswer as answer:
            return answer.status, answer.body, answer.headers
        if isinstance(result, Reply):
            return result.status, result.body, result.headers | _cost_header(result)
        if isinstance(result, Paged):
            if role == "no-grades" and path.endswith("/enrollments"):  # a TA without grade rights, say
                result = Paged(without_grades(result.rows))
            return self._page(path, query, result.rows, fault)
        return 200, result, {}

    def _page(self, path: str, query: dict[str, str], rows: list, fault: FaultKind | None) -> Answer:
        """One page of a list and its Link header, as Canvas paginates (``per_page`` at most 100)."""
        try:
            per_page = min(100, max(1, int(query.get("per_page", 10))))
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            per_page, page = 10, 1
        last = max(1, -(-len(rows) // per_page))

        def link(n: int) -> str:
            return f"{self.sandbox.url}{path}?{urlencode({**query, 'page': n, 'per_page': per_page})}"

        rels = [("current", page)]
        if fault == "self-link":
            rels.append(("next", page))  # a broken proxy or Canvas bug: "next" is this very page
        elif page < last or fault == "endless-next":
            rels.append(("next", page + 1))
        if page > 1:
            rels.append(("prev", page - 1))
        rels += [("first", 1), ("last", last)]
        header = ",".join(f'<{link(n)}>; rel="{rel}"' for rel, n in rels)
        shown = rows[(page - 1) * per_page : page * per_page]
        if fault == "duplicate-row" and shown:
            shown = [*shown, shown[0]]  # one row listed twice, as a shifted offset page does
        return 200, shown, {"Link": header}

    # -- POST --------------------------------------------------------------------------------

    def do_POST(self) -> None:
        sandbox = self.sandbox
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        sandbox.record(parts.path)
        fault = sandbox.faults.draw(parts.path)
        if not self._delay_or_drop(fault) or self._server_fault(parts.path, fault):
            return
        found = find("POST", parts.path)
        request = self._request(parts.path, {}, body)
        if found is None:
            self._send(404, NOT_FOUND, {})
        elif found.route.canvas:
            self._post_canvas(found, request, fault)
        else:
            self._send_service_answer(found(sandbox, request))

    def _post_canvas(self, found: Found, request: Request, fault: FaultKind | None) -> None:
        """A write to Canvas's REST API: the same token and throttle rules as a read, then the view."""
        sandbox = self.sandbox
        token = bearer_token(self.headers.get("Authorization", ""), {})
        role = self._authenticate(token, request.path)
        if role is None:
            return
        bucket = sandbox.throttle.bucket(token or "")
        if self._refused_by_throttle(bucket, fault):
            return
        try:
            result = found(sandbox, request)
        except HTTPAnswer as refused:
            result = Reply(refused.status, refused.body, refused.headers)
        reply = result if isinstance(result, Reply) else Reply(*result)
        cost = reply.cost or 0.0  # a write costs what Canvas charges for its action (nothing by default)
        remaining = bucket.settle(cost) if sandbox.throttle.config.enabled else bucket.remaining()
        headers = reply.headers | {"X-Rate-Limit-Remaining": f"{remaining:.2f}"}
        if reply.cost is not None:
            headers["X-Request-Cost"] = f"{cost:.6f}"
        self._send(reply.status, reply.body, headers)

    def _request(self, path: str, query: dict[str, str], body: bytes = b"") -> Request:
        return Request(path, f"{self.sandbox.url}{self.path}", self.headers, query, body)

    def _send_service_answer(self, answer: tuple[int, Any]) -> None:
        status, body = answer
        if body is None:
            self._send_raw(status, b"", "text/plain", {})
        else:
            self._send(status, body, {})

    # -- writing -----------------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str], fault: FaultKind | None = None) -> None:
        if isinstance(body, bytes):  # not JSON at all: the 503 of a view being built, a page-view file
            ctype = headers.pop("Content-Type", "text/plain")
            return self._send_raw(status, body, ctype, headers, fault)
        data = json.dumps(body).encode()
        if fault == "html" and status == 200:
            return self._send_raw(200, b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html", headers)
        if fault == "empty" and status == 200:
            return self._send_raw(200, b"", "application/json", headers)
        if fault == "invalid-json" and status == 200:
            return self._send_raw(200, data[: max(1, len(data) // 2)], "application/json; charset=utf-8", headers)
        if fault == "gzip-bomb" and status == 200:
            return self._send_raw(200, _gzip_bomb(), "application/json", headers | {"Content-Encoding": "gzip"})
        self._send_raw(status, data, "application/json; charset=utf-8", headers, fault)

    def _send_raw(
        self, status: int, data: bytes, ctype: str, headers: dict[str, str], fault: FaultKind | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._reset()
        elif fault in ("slow", "drip"):
            step, pause = (max(1, len(data) // 4), 0.05) if fault == "slow" else (1, 0.05)
            for start in range(0, len(data), step):
                try:
                    self.wfile.write(data[start : start + step])
                    self.wfile.flush()
                except OSError:  # the client gave up, as it should on a drip
                    return
                time.sleep(pause)
        else:
            self.wfile.write(data)

    def _reset(self) -> None:
        """Close the connection with a TCP reset, as a crashed load balancer does."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
