"""A real, threaded HTTP server that answers like Canvas's Analytics API.

>>> from canvasframe.sandbox import SandboxServer
>>> with SandboxServer() as server:  # doctest: +SKIP
...     print(server.url, server.token)
http://127.0.0.1:53127 sandbox-token
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np

from . import views
from .faults import FaultPlan
from .institution import Config, Institution
from .lti import UNAUTHORIZED, LtiService
from .throttle import Throttle, ThrottleConfig
from .xapi import XapiService

DEFAULT_TOKEN = "sandbox-token"
_NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
_ID_KEY = re.compile(r"(^id$|_id$)")
_IDS_KEY = re.compile(r"_ids$")


class HTTPAnswer(Exception):
    """Raised inside a view to answer with a status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def stringify_ids(value: Any) -> Any:
    """What Canvas sends for ``Accept: application/json+canvas-string-ids``."""
    if isinstance(value, list):
        return [stringify_ids(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if _ID_KEY.search(k) and isinstance(v, int) and not isinstance(v, bool):
                out[k] = str(v)
            elif _IDS_KEY.search(k) and isinstance(v, list):
                out[k] = [str(x) if isinstance(x, int) else x for x in v]
            else:
                out[k] = stringify_ids(v)
        return out
    return value


@dataclass
class _Progress:
    id: int
    course_id: int
    polls_left: int
    fail: bool
    state: str = "queued"


@dataclass
class SandboxSettings:
    """Behaviour switches of one sandbox server."""

    shape: str = "real"  # or "documented"
    page_view_buckets: str = "hour"  # or "day" (self-hosted Canvas)
    server_time: float = 0.0  # seconds each request takes on the "server" (also its throttle cost)
    async_polls: int = 2  # progress polls before an async assignments job completes
    async_always: bool = False  # answer every async=true call with a progress_url first
    broken_assignments: set[int] = field(default_factory=set)  # courses whose analytics/assignments 500
    failed_async: set[int] = field(default_factory=set)  # courses whose async job fails


class SandboxServer:
    """A local Canvas serving one :class:`Institution` over real HTTP.

    Parameters
    ----------
    institution : Institution, optional
        What to serve; generated from ``config`` when not given.
    host, port : str, int
        Where to listen; ``port=0`` picks a free port. Binds to loopback unless told otherwise.
    tokens : dict, optional
        token -> role; role ``"admin"`` sees everything, ``"no-analytics"`` gets 403.
    throttle : ThrottleConfig, optional
        Canvas's leaky bucket (on by default with Canvas's parameters).
    faults : FaultPlan, optional
        Injected failures.
    settings : SandboxSettings, optional
        Response shape, page-view buckets, server time, async behaviour.
    """

    def __init__(
        self,
        institution: Institution | None = None,
        *,
        config: Config | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: dict[str, str] | None = None,
        throttle: ThrottleConfig | None = None,
        faults: FaultPlan | None = None,
        settings: SandboxSettings | None = None,
    ) -> None:
        self.institution = institution or Institution(config)
        self.tokens = dict(tokens or {DEFAULT_TOKEN: "admin", "no-analytics-token": "no-analytics"})
        self.token = next(t for t, role in self.tokens.items() if role == "admin")
        self.throttle = Throttle(throttle)
        self.faults = faults or FaultPlan()
        self.settings = settings or SandboxSettings()
        self.request_log: list[str] = []
        self._lock = threading.Lock()
        self.xapi = XapiService(self.institution, self._lock)
        self.lti = LtiService(self.institution, self._lock)
        self._progress: dict[int, _Progress] = {}
        self._async_done: set[int] = set()
        self._next_progress = 1
        self._shuffle = np.random.default_rng(self.institution.config.seed)
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = self._httpd.server_address[0]
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="canvasframe-sandbox", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def xapi_callback_url(self, course_id: int, student_id: int) -> str:
        """The ``$Canvas.xapi.url`` a tool launched by this student in this course would receive."""
        return self.url + self.xapi.callback_path(course_id, student_id)

    def revoke(self, token: str) -> None:
        """Revoke a token: from now on it gets 401, as in Canvas when a user deletes it."""
        with self._lock:
            self.tokens.pop(token, None)

    def clear_log(self) -> None:
        with self._lock:
            self.request_log.clear()

    # -- routing ----------------------------------------------------------------

    def route(self, path: str, query: dict[str, str]) -> Any:
        for pattern, view in _ROUTES:
            match = pattern.fullmatch(path)
            if match:
                return view(self, query, *(int(g) if g.isdigit() else g for g in match.groups()))
        raise HTTPAnswer(404, _NOT_FOUND)

    def _course(self, course_id: int, *, need_students: bool = True) -> Any:
        course = self.institution.courses.get(course_id)
        if course is None or (need_students and not course.enrollments):
            raise HTTPAnswer(404, _NOT_FOUND)
        return course

    def _enrollment(self, course_id: int, student_id: int) -> Any:
        enrollment = self._course(course_id).enrollments.get(student_id)
        if enrollment is None:
            raise HTTPAnswer(404, _NOT_FOUND)
        return enrollment

    def _department(self, account_id: int, term: str) -> list:
        inst = self.institution
        if account_id not in inst.accounts:
            raise HTTPAnswer(404, _NOT_FOUND)
        if term.startswith("terms/"):
            term = term.removeprefix("terms/")
            if int(term) not in inst.terms:
                raise HTTPAnswer(404, _NOT_FOUND)
        return inst.department_courses(account_id, term)

    def _course_assignments(self, query: dict[str, str], course_id: int) -> Any:
        course = self._course(course_id)
        if course_id in self.settings.broken_assignments:
            raise HTTPAnswer(500, _server_error(course_id))
        if query.get("async") in ("true", "1") and self._needs_job(course_id):
            with self._lock:
                progress = next((p for p in self._progress.values() if p.course_id == course_id), None)
                if progress is None:
                    progress = _Progress(
                        self._next_progress,
                        course_id,
                        self.settings.async_polls,
                        course_id in self.settings.failed_async,
                    )
                    self._progress[progress.id] = progress
                    self._next_progress += 1
            return {"progress_url": f"{self.url}/api/v1/progress/{progress.id}"}
        return views.course_assignments(course, self.settings.shape)

    def _needs_job(self, course_id: int) -> bool:
        with self._lock:
            return course_id not in self._async_done and (
                self.settings.async_always or course_id in self.settings.failed_async
            )

    def _progress_view(self, query: dict[str, str], progress_id: int) -> Any:
        with self._lock:
            progress = self._progress.get(progress_id)
            if progress is None:
                raise HTTPAnswer(404, _NOT_FOUND)
            if progress.state in ("queued", "running"):
                progress.polls_left -= 1
                if progress.polls_left <= 0:
                    progress.state = "failed" if progress.fail else "completed"
                    if not progress.fail:
                        self._async_done.add(progress.course_id)
                    del self._progress[progress_id]
                else:
                    progress.state = "running"
            return {
                "id": progress.id,
                "context_id": progress.course_id,
                "context_type": "Course",
                "tag": "course_assignments",
                "workflow_state": progress.state,
                "completion": 100.0 if progress.state == "completed" else 50.0,
                "message": "analytics job failed" if progress.state == "failed" else None,
            }


def _server_error(seed: int) -> dict:
    return {
        "errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
        "error_report_id": 900000 + seed % 100000,
    }


def _summaries(s: SandboxServer, q: dict[str, str], course_id: int) -> Any:
    course = s._course(course_id)
    rows = views.sort_summaries(course, views.student_summaries(course, s.settings.shape), q.get("sort_column"))
    if "student_id" in q:
        rows = [r for r in rows if str(r["id"]) == q["student_id"]]
    return _Paged(rows)


def _activity(s: SandboxServer, q: dict[str, str], course_id: int) -> Any:
    with s._lock:
        return views.course_activity(s._course(course_id), s._shuffle)


def _by_subaccount(s: SandboxServer, account_id: int, term: str) -> Any:
    s._department(account_id, term)  # 404 for an unknown account or term
    return views.statistics_by_subaccount(s.institution, account_id, term.removeprefix("terms/"))


def _lti_view(s: SandboxServer, account_id: int, what: str) -> Any:
    answer = s.lti.view(account_id, what)
    if answer is None:
        raise HTTPAnswer(404, _NOT_FOUND)
    return _Paged(answer) if isinstance(answer, list) else answer


def _account_courses(s: SandboxServer, q: dict[str, str], account_id: int) -> Any:
    if account_id not in s.institution.accounts:
        raise HTTPAnswer(404, _NOT_FOUND)
    tree = s.institution.account_tree(account_id)
    chosen = [c for c in s.institution.courses.values() if c.account_id in tree]
    if "enrollment_term_id" in q:
        chosen = [c for c in chosen if str(c.term_id) == q["enrollment_term_id"]]
    return _Paged([_course_object(s, q, c.id) for c in sorted(chosen, key=lambda c: c.id)])


def _course_object(s: SandboxServer, q: dict[str, str], course_id: int) -> Any:
    course = s._course(course_id, need_students=False)
    state = "completed" if course.state == "completed" else "available"
    return {
        "id": course.id,
        "name": course.name,
        "course_code": course.name.split(":")[0],
        "account_id": course.account_id,
        "enrollment_term_id": course.term_id,
        "workflow_state": state,
        "total_students": len(course.enrollments),
    }


_DEPT = r"/api/v1/accounts/(\d+)/analytics/(current|completed|terms/\d+)/"
_USER = r"/api/v1/courses/(\d+)/analytics/users/(\d+)/"
_ROUTES: list[tuple[re.Pattern[str], Callable[..., Any]]] = [
    (
        re.compile(_DEPT + "activity"),
        lambda s, q, a, t: views.department_activity(s._department(a, t), s.settings.shape),
    ),
    (re.compile(_DEPT + "grades"), lambda s, q, a, t: views.department_grades(s._department(a, t))),
    (re.compile(_DEPT + "statistics"), lambda s, q, a, t: views.statistics(s.institution, a, s._department(a, t))),
    (re.compile(_DEPT + "statistics_by_subaccount"), lambda s, q, a, t: _by_subaccount(s, a, t)),
    (
        re.compile(r"/api/lti/accounts/(\d+)/?(external_tools|data_services|)"),
        lambda s, q, a, what: _lti_view(s, a, what),
    ),
    (re.compile(r"/api/v1/courses/(\d+)"), _course_object),
    (re.compile(r"/api/v1/accounts/(\d+)/courses"), _account_courses),
    (re.compile(r"/api/v1/courses/(\d+)/analytics/activity"), _activity),
    (re.compile(r"/api/v1/courses/(\d+)/analytics/assignments"), lambda s, q, c: s._course_assignments(q, c)),
    (re.compile(r"/api/v1/courses/(\d+)/analytics/student_summaries"), _summaries),
    (
        re.compile(_USER + "activity"),
        lambda s, q, c, u: views.student_activity(s._enrollment(c, u), s.settings.page_view_buckets),
    ),
    (
        re.compile(_USER + "assignments"),
        lambda s, q, c, u: views.student_assignments(s._course(c), s._enrollment(c, u), s.settings.shape),
    ),
    (re.compile(_USER + "communication"), lambda s, q, c, u: views.student_communication(s._enrollment(c, u))),
    (re.compile(r"/api/v1/progress/(\d+)"), lambda s, q, p: s._progress_view(q, p)),
]


@dataclass
class _Paged:
    rows: list


class _Handler(BaseHTTPRequestHandler):
    sandbox: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as Canvas behind its load balancer
    server_version = "canvasframe-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read request_log instead
        pass

    def do_GET(self) -> None:
        sandbox = self.sandbox
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with sandbox._lock:
            sandbox.request_log.append(parts.path)
        fault = sandbox.faults.draw(parts.path)
        if sandbox.faults.latency:
            time.sleep(sandbox.faults.latency)
        if fault in ("reset", "timeout"):
            if fault == "timeout":
                time.sleep(sandbox.faults.hang)
            self._reset()
            return
        if parts.path == "/xapi/statements":  # the LRS: its own (Basic) auth, no Canvas throttle
            status, body = sandbox.xapi.lrs_get(self.headers, query)
            self._send(status, body, {})
            return
        token = _token(self.headers.get("Authorization", ""), query)
        role = sandbox.tokens.get(token or "") or ("lti" if sandbox.lti.valid(token) else None)
        if role is None and parts.path.startswith("/api/lti/"):
            self._send(401, UNAUTHORIZED, {})
            return
        if role is None:
            self._send(
                401,
                {"errors": [{"message": "Invalid access token."}]},
                {"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
            )
            return
        bucket = sandbox.throttle.bucket(token or "")
        if fault in ("429", "403-throttle") or (sandbox.throttle.config.enabled and not bucket.admit()):
            with sandbox._lock:
                sandbox.throttle.refused += 1
            legacy = fault == "403-throttle" or (fault is None and sandbox.throttle.config.legacy_403)
            status, text = (
                (403, "403 Forbidden (Rate Limit Exceeded)")
                if legacy
                else (429, "429 Too Many Requests (Rate Limit Exceeded)")
            )
            self._send_raw(
                status,
                text.encode(),
                "text/plain; charset=utf-8",
                {"X-Rate-Limit-Remaining": f"{bucket.remaining():.2f}"},
            )
            return
        started_cpu = time.thread_time()
        if sandbox.settings.server_time:
            time.sleep(sandbox.settings.server_time)
        status, body, headers = self._answer(parts.path, query, role, fault)
        cost = sandbox.settings.server_time + (time.thread_time() - started_cpu)
        remaining = bucket.settle(cost) if sandbox.throttle.config.enabled else bucket.remaining()
        headers |= {"X-Rate-Limit-Remaining": f"{remaining:.2f}", "X-Request-Cost": f"{cost:.6f}"}
        if "canvas-string-ids" in self.headers.get("Accept", ""):
            body = stringify_ids(body)
        self._send(status, body, headers, fault)

    def do_POST(self) -> None:
        sandbox = self.sandbox
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with sandbox._lock:
            sandbox.request_log.append(parts.path)
        if parts.path == "/xapi/statements":
            status, answer = sandbox.xapi.lrs_post(self.headers, body)
        elif parts.path == "/login/oauth2/token":
            status, answer = sandbox.lti.token(f"{sandbox.url}/login/oauth2/token", body)
        elif parts.path.startswith("/api/lti/v1/xapi/"):
            url = f"{sandbox.url}{self.path}"
            status, answer = sandbox.xapi.callback(parts.path.rsplit("/", 1)[-1], url, self.headers, body)
        else:
            status, answer = 404, _NOT_FOUND
        if answer is None:
            self._send_raw(status, b"", "text/plain", {})
        else:
            self._send(status, answer, {})

    def _answer(self, path: str, query: dict[str, str], role: str, fault: str | None) -> tuple[int, Any, dict]:
        if fault in ("500", "502", "503"):
            return int(fault), _server_error(len(path)), {}
        if fault in ("401", "403", "404"):
            message = {
                "401": "Invalid access token.",
                "403": "user not authorized to perform that action",
                "404": "The specified resource does not exist.",
            }[fault]
            return int(fault), {"errors": [{"message": message}]}, {}
        if role == "no-analytics":
            return (
                403,
                {"errors": [{"message": "user not authorized to perform that action"}], "status": "unauthorized"},
                {},
            )
        try:
            result = self.sandbox.route(path, query)
        except HTTPAnswer as answer:
            return answer.status, answer.body, answer.headers
        if isinstance(result, _Paged):
            return self._page(path, query, result.rows, fault == "self-link")
        return 200, result, {}

    def _page(self, path: str, query: dict[str, str], rows: list, self_link: bool) -> tuple[int, Any, dict]:
        try:
            per_page = min(100, max(1, int(query.get("per_page", 10))))
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            per_page, page = 10, 1
        last = max(1, -(-len(rows) // per_page))

        def link(n: int) -> str:
            return f"{self.sandbox.url}{path}?{urlencode({**query, 'page': n, 'per_page': per_page})}"

        rels = [("current", page)]
        if self_link:
            rels.append(("next", page))  # a broken proxy or Canvas bug: "next" is this very page
        elif page < last:
            rels.append(("next", page + 1))
        if page > 1:
            rels.append(("prev", page - 1))
        rels += [("first", 1), ("last", last)]
        header = ",".join(f'<{link(n)}>; rel="{rel}"' for rel, n in rels)
        return 200, rows[(page - 1) * per_page : page * per_page], {"Link": header}

    # -- writing ---------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str], fault: str | None = None) -> None:
        data = json.dumps(body).encode()
        if fault == "html" and status == 200:
            return self._send_raw(200, b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html", headers)
        if fault == "empty" and status == 200:
            return self._send_raw(200, b"", "application/json", headers)
        if fault == "invalid-json" and status == 200:
            return self._send_raw(200, data[: max(1, len(data) // 2)], "application/json; charset=utf-8", headers)
        self._send_raw(status, data, "application/json; charset=utf-8", headers, fault)

    def _send_raw(
        self, status: int, data: bytes, ctype: str, headers: dict[str, str], fault: str | None = None
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
        elif fault == "slow":
            for start in range(0, len(data), max(1, len(data) // 4)):
                self.wfile.write(data[start : start + max(1, len(data) // 4)])
                self.wfile.flush()
                time.sleep(0.05)
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


def _token(authorization: str, query: dict[str, str]) -> str | None:
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return query.get("access_token")
