"""What one sandbox server holds while it runs: the institution, tokens, faults, throttle, logs.

The handler (the order of checks for one request) and the routes (which view answers which
path) read and change this state, never the server: the server (:mod:`.server`) owns only the
listening socket and its thread, so there is no import circle between them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from .faults import FaultPlan
from .institution import Config, Institution
from .jobs import Jobs
from .lti import LtiService
from .model import SITE
from .new_quiz_views import QuizReports
from .page_view_views import PageViewService
from .throttle import Throttle, ThrottleConfig
from .views import Buckets, Shape
from .xapi import XapiService

__all__ = ["DEFAULT_TOKEN", "SAMPLE_COST_SCALE", "STUDENT_TOKEN", "SandboxSettings", "SandboxState"]

SAMPLE_COST_SCALE = 0.02  # see SandboxSettings.page_view_cost_scale

DEFAULT_TOKEN = "sandbox-token"
STUDENT_TOKEN = "sandbox-student-token"  # a student's token: a topic requiring a first post hides its replies


@dataclass
class SandboxSettings:
    """Behaviour switches of one sandbox server."""

    shape: Shape = "real"
    page_view_buckets: Buckets = "hour"
    # Seconds each request takes on the "server", the sandbox's own work included (also its throttle
    # cost): the answer is made, then the rest of server_time is waited out.
    server_time: float = 0.0
    async_polls: int = 2  # progress polls before an async assignments job completes
    async_always: bool = False  # answer every async=true call with a progress_url first
    broken_assignments: set[int] = field(default_factory=set)  # courses whose analytics/assignments 500
    failed_async: set[int] = field(default_factory=set)  # courses whose async job fails
    quiz_report_seconds: float = 0.2  # how long a New Quizzes report takes to generate
    # Canvas's Analytics keep each student's per-student answer (activity, assignments,
    # communication) about 12 hours from when it is first asked for, apart from the course's totals
    # in student_summaries. None: every answer is computed afresh (the sandbox's default). Hours of
    # the institution's clock (Institution.as_of, moved by Institution.advance).
    analytics_cache_hours: float | None = None
    failed_quiz_reports: set[int] = field(default_factory=set)  # New Quizzes (assignment ids) whose reports fail
    # A discussion's full view answers 503 (empty body) from its first request until this long after
    # it, as Canvas does while its background job builds the view.
    view_build_seconds: float = 0.05
    # What the page-view service charges, as a share of Canvas's own costs (150 units a history
    # query ...). Canvas's are leak-bound at hours for a course; the sample and the tests charge a
    # fiftieth (SAMPLE_COST_SCALE) so a pull takes seconds, and only the ratios matter to them.
    page_view_cost_scale: float = 1.0
    # The page-view service hands a few requests out twice, as Canvas's best-effort data does; the
    # sample does not, so its examples and notebooks run without the warning that counts them.
    page_view_duplicates: bool = True


class SandboxState:
    """The state a running sandbox serves from; see :class:`~canvasframe.sandbox.SandboxServer` for the parameters."""

    url: str  # where it answers, set once the server has its socket

    def __init__(
        self,
        institution: Institution | None = None,
        *,
        config: Config | None = None,
        tokens: dict[str, str] | None = None,
        throttle: ThrottleConfig | None = None,
        faults: FaultPlan | None = None,
        settings: SandboxSettings | None = None,
    ) -> None:
        self.institution = institution or Institution(config)
        self.tokens = dict(
            tokens or {DEFAULT_TOKEN: "admin", "no-analytics-token": "no-analytics", STUDENT_TOKEN: "student"}
        )
        self.token = next(t for t, role in self.tokens.items() if role == "admin")
        self.throttle = Throttle(throttle)
        self.faults = faults or FaultPlan()
        self.settings = settings or SandboxSettings()
        self.request_log: list[str] = []
        self.query_log: list[tuple[str, dict[str, str]]] = []
        self.posted: list[dict[str, list[str]]] = []  # the forms of every POST /api/v1/conversations
        self._views_asked: dict[int, float] = {}  # topic id -> when its full view was first asked for
        self._analytics_answers: dict[tuple, tuple[datetime, Any]] = {}  # see analytics_answer
        self.lock = threading.Lock()
        self.xapi = XapiService(self.institution, self.lock)
        self.lti = LtiService(self.institution, self.lock)
        self.page_views = PageViewService(
            self.institution,
            SITE,
            self.lock,
            self.settings.page_view_cost_scale,
            duplicates=self.settings.page_view_duplicates,
        )
        self.jobs = Jobs(self.settings.async_polls, self.lock)
        self.quiz_reports = QuizReports(self.settings.quiz_report_seconds, self.lock)
        self.shuffle = np.random.default_rng(self.institution.config.seed)  # Canvas sends activity days unordered

    def xapi_callback_url(self, course_id: int, student_id: int) -> str:
        """The ``$Canvas.xapi.url`` a tool launched by this student in this course would receive."""
        return self.url + self.xapi.callback_path(course_id, student_id)

    def analytics_answer(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A per-student Analytics answer: computed now, or as first computed within
        ``settings.analytics_cache_hours`` of the institution's clock (Canvas's cache)."""
        hours = self.settings.analytics_cache_hours
        if hours is None:
            return compute()
        now = self.institution.as_of
        with self.lock:
            kept = self._analytics_answers.get(key)
        if kept is not None and now - kept[0] < timedelta(hours=hours):
            return kept[1]
        answer = compute()
        with self.lock:
            self._analytics_answers[key] = (now, answer)
        return answer

    def revoke(self, token: str) -> None:
        """Revoke a token: from now on it gets 401, as in Canvas when a user deletes it."""
        with self.lock:
            self.tokens.pop(token, None)

    def record(self, path: str, query: dict[str, str] | None = None) -> None:
        """Add a request's path to :attr:`request_log`, and it with its query to :attr:`query_log`."""
        with self.lock:
            self.request_log.append(path)
            self.query_log.append((path, dict(query or {})))

    def queries(self, path_end: str) -> list[dict[str, str]]:
        """The query of every request so far whose path ends with ``path_end``, in order."""
        with self.lock:
            return [query for path, query in self.query_log if path.endswith(path_end)]

    def clear_log(self) -> None:
        with self.lock:
            self.request_log.clear()
            self.query_log.clear()

    def view_ready(self, topic_id: int) -> bool:
        """Whether the full view of a topic is built: ``view_build_seconds`` after it was first asked for."""
        with self.lock:
            first = self._views_asked.setdefault(topic_id, time.monotonic())
        return time.monotonic() - first >= self.settings.view_build_seconds
