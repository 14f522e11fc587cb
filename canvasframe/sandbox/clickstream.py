"""Each sample user's request-level page-view log, derived from the same events as Analytics.

Every hour an enrollment has ``views`` page views in becomes exactly that many requests in
the course's context, its participations among them at their own timestamps; so Analytics'
hourly counts (every page view in the course context, AJAX and masqueraded requests
included) are the log's counts by Analytics' rule, by construction. Around them come the
rows a real log holds that Analytics never counts in a course: the dashboard and the
profile. Within an hour the requests form one sitting on one of the student's devices;
some are AJAX (``user_request`` false), some made by a teacher masquerading as the student
(``real_user``), a few are served twice (Canvas calls the data best-effort).

Each user's log is drawn from a generator of its own (seeded with the institution's seed and
the ids), so adding it left every other draw of the institution as it was.

Fields follow canvas-lms: ``lib/api/v1/page_view.rb`` serialises ``PageView::EXPORTED_COLUMNS``
(``app/models/page_view.rb``), where ``interaction_seconds`` defaults to 5 and is capped at
600 (``cap_interaction_seconds``) and ``http_method`` is stored lower-case.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .model import UTC, Course, Enrollment, World

__all__ = ["DEVICES", "PageViewRow", "user_log"]

# (user agent, app name): a browser sends no app name and has a session; Canvas's mobile app
# makes token requests, which Canvas logs with the developer key's name and no session id.
DEVICES = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0", None),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15", None),
    ('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 "quoted", with a comma', None),
    ("candroid/7.9.0 (Android 14; Pixel 8)", "Canvas Student"),
    ("iCanvas/7.10.1 (iPhone; iOS 18.1)", "Canvas Student"),
)
MASQUERADE_RATE = 0.004  # of a student's active hours in a course, a teacher acted as the student
AJAX_RATE = 0.2
DUPLICATE_RATE = 0.003
DEFAULT_SECONDS = 5.0  # Canvas's interaction_seconds when the page never reported back
MAX_SECONDS = 600.0


@dataclass(frozen=True)
class PageViewRow:
    """One request of one user, as Canvas stores it."""

    request_id: str
    user_id: int
    created_at: datetime
    url: str
    context_type: str
    context_id: int
    asset_type: str | None
    asset_id: int | None
    controller: str
    action: str
    interaction_seconds: float
    user_request: bool
    render_time: float
    user_agent: str
    participated: bool
    http_method: str
    remote_ip: str
    app_name: str | None
    session_id: str | None
    real_user_id: int | None
    account_id: int
    duplicated: bool = False  # the page-view service hands this row out twice


@dataclass(frozen=True)
class _Resource:
    path: str  # below the course
    controller: str
    action: str
    asset_type: str | None = None
    asset_id: int | None = None


def user_log(world: World, user_id: int, site: str) -> list[PageViewRow]:
    """Every request of ``user_id`` in every course, oldest first (ties by request id)."""
    cfg = world.config
    devices = _devices(cfg.seed, user_id)
    rows: list[PageViewRow] = []
    days: dict[str, datetime] = {}
    for course in world.courses.values():
        enrollment = course.enrollments.get(user_id)
        if enrollment is None:
            continue
        rng = np.random.default_rng([cfg.seed, course.id, user_id, 31])
        for row in _course_requests(course, enrollment, site, rng, devices):
            rows.append(row)
            day = row.created_at.strftime("%Y-%m-%d")
            if day not in days or row.created_at < days[day]:
                days[day] = row.created_at
    rng = np.random.default_rng([cfg.seed, user_id, 33])
    account = next(iter(world.courses.values())).account_id if world.courses else 0
    for day in sorted(days):
        if rng.random() < 0.6:  # the dashboard before the day's first course page: no course counts it
            at = days[day] - timedelta(seconds=int(rng.integers(5, 120)))
            rows.append(_user_row(rng, user_id, at, f"{site}/", "users", "user_dashboard", devices, account))
        if rng.random() < 0.1:
            at = days[day] - timedelta(seconds=int(rng.integers(130, 300)))
            rows.append(_user_row(rng, user_id, at, f"{site}/profile", "profile", "show", devices, account))
    rows.sort(key=lambda r: (r.created_at, r.request_id))
    return rows


def _devices(seed: int, user_id: int) -> list[tuple[str, str | None, str]]:
    """The student's one to three devices: (user agent, app name, remote IP)."""
    rng = np.random.default_rng([seed, user_id, 32])
    chosen = rng.choice(len(DEVICES), size=int(rng.integers(1, 4)), replace=False)
    found = []
    for i in chosen:
        agent, app = DEVICES[int(i)]
        found.append((agent, app, f"10.{int(rng.integers(0, 256))}.{int(rng.integers(0, 256))}.{int(i) + 10}"))
    return found


def _request_id(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _session(user_id: int, device: int, day: str) -> str:
    """A browser's login session: one per device and day (Canvas's is a cookie's, hex)."""
    return hashlib.sha256(f"{user_id}/{device}/{day}".encode()).hexdigest()[:32]


def _resources(course: Course) -> list[_Resource]:
    """What a student opens in a course without participating."""
    items = [_Resource("", "courses", "show"), _Resource("/modules", "context_modules", "index")]
    items += [_Resource(f"/assignments/{a.id}", "assignments", "show", "Assignment", a.id) for a in course.assignments]
    items += [
        _Resource(f"/discussion_topics/{t}", "discussion_topics", "show", "DiscussionTopic", t)
        for t in course.topic_ids
    ]
    files = [course.id + 800_000 + k for k in range(4)]
    items += [_Resource(f"/files/{f}", "files", "show", "Attachment", f) for f in files]
    items.append(_Resource("/pages/week-notes", "wiki_pages", "show", "WikiPage", course.id + 900_000))
    return items


def _participation(course: Course, url: str | None, rng: np.random.Generator) -> _Resource:
    """The request a participation was: a post to a topic, a quiz submission, a page edit, a submission."""
    base = f"/courses/{course.id}"
    path = url.split(base, 1)[1] if url and base in url else None
    if path and path.startswith("/discussion_topics/"):
        topic = int(path.rsplit("/", 1)[1])
        return _Resource(f"{path}/entries", "discussion_entries", "create", "DiscussionTopic", topic)
    if path and path.startswith("/quizzes/"):
        quiz = int(path.rsplit("/", 1)[1])
        return _Resource(f"{path}/submissions", "quizzes/quiz_submissions", "create", "Quizzes::Quiz", quiz)
    if path and path.startswith("/pages/"):
        return _Resource(path, "wiki_pages", "update", "WikiPage", course.id + 900_000)
    assignment = course.assignments[int(rng.integers(0, len(course.assignments)))]
    return _Resource(f"/assignments/{assignment.id}/submissions", "submissions", "create", "Assignment", assignment.id)


def _course_requests(
    course: Course,
    enrollment: Enrollment,
    site: str,
    rng: np.random.Generator,
    devices: list[tuple[str, str | None, str]],
) -> list[PageViewRow]:
    user_id = enrollment.student.id
    resources = _resources(course)
    by_hour: dict[int, list[tuple[datetime, str | None]]] = defaultdict(list)
    for at, url in enrollment.participations:
        by_hour[int(at.timestamp()) // 3600 * 3600].append((at, url))
    rows: list[PageViewRow] = []
    for hour, views in zip(enrollment.hours.tolist(), enrollment.views.tolist(), strict=True):
        device = int(rng.integers(0, len(devices)))
        agent, app, ip = devices[device]
        day = datetime.fromtimestamp(hour, UTC).strftime("%Y-%m-%d")
        session = None if app else _session(user_id, device, day)
        masquerader = course.teacher_id if rng.random() < MASQUERADE_RATE else None
        participations = by_hour.get(hour, [])
        span = int(rng.integers(3, 40)) * 60  # one sitting: a few minutes to most of the hour
        start = int(rng.integers(0, 3600 - span))
        seconds = sorted(int(s) for s in rng.integers(start, start + span, size=views - len(participations)))

        sitting = _Sitting(course, user_id, site, agent, app, ip, session, masquerader)
        for at, url in participations:
            rows.append(sitting.row(rng, at, _participation(course, url, rng), participated=True))
        for second in seconds:
            at = datetime.fromtimestamp(hour + second, UTC)
            ajax = bool(rng.random() < AJAX_RATE)
            resource = resources[int(rng.integers(0, len(resources)))]
            rows.append(sitting.row(rng, at, resource, participated=False, ajax=ajax))
    return rows


@dataclass(frozen=True)
class _Sitting:
    """What the requests of one sitting share: the course, the device, the session, a masquerader."""

    course: Course
    user_id: int
    site: str
    agent: str
    app: str | None
    ip: str
    session: str | None
    masquerader: int | None

    def row(
        self, rng: np.random.Generator, at: datetime, res: _Resource, *, participated: bool, ajax: bool = False
    ) -> PageViewRow:
        seconds_on_page = DEFAULT_SECONDS if ajax or rng.random() < 0.25 else float(rng.lognormal(3.5, 1.0))
        course = self.course
        return PageViewRow(
            request_id=_request_id(rng),
            user_id=self.user_id,
            created_at=at,
            url=f"{self.site}/api/v1/courses/{course.id}/modules"
            if ajax
            else f"{self.site}/courses/{course.id}{res.path}",
            context_type="Course",
            context_id=course.id,
            asset_type=None if ajax else res.asset_type,
            asset_id=None if ajax else res.asset_id,
            controller="context_modules_api" if ajax else res.controller,
            action="index" if ajax else res.action,
            interaction_seconds=round(min(MAX_SECONDS, seconds_on_page), 2),
            user_request=not ajax,
            render_time=round(float(rng.gamma(2.0, 0.15)), 3),
            user_agent=self.agent,
            participated=participated,
            http_method="post" if participated else "get",
            remote_ip=self.ip,
            app_name=self.app,
            session_id=self.session,
            real_user_id=self.masquerader,
            account_id=course.account_id,
            duplicated=bool(rng.random() < DUPLICATE_RATE),
        )


def _user_row(
    rng: np.random.Generator,
    user_id: int,
    at: datetime,
    url: str,
    controller: str,
    action: str,
    devices: list[tuple[str, str | None, str]],
    account_id: int,
) -> PageViewRow:
    device = int(rng.integers(0, len(devices)))
    agent, app, ip = devices[device]
    return PageViewRow(
        request_id=_request_id(rng),
        user_id=user_id,
        created_at=at,
        url=url,
        context_type="User",
        context_id=user_id,
        asset_type=None,
        asset_id=None,
        controller=controller,
        action=action,
        interaction_seconds=DEFAULT_SECONDS,
        user_request=True,
        render_time=round(float(rng.gamma(2.0, 0.15)), 3),
        user_agent=agent,
        participated=False,
        http_method="get",
        remote_ip=ip,
        app_name=app,
        session_id=None if app else _session(user_id, device, at.strftime("%Y-%m-%d")),
        real_user_id=None,
        account_id=account_id,
    )
