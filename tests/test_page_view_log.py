"""The page-view log: every route and fault against the sandbox over real HTTP.

Expected rows come from the sandbox's own per-user log (``server.page_views.log``), which is
derived from the institution's events, never from the loader under test.
"""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import datetime, timezone

import pandas as pd
import pytest

import canvasframe as cf
from canvasframe.sandbox import SAMPLE_COST_SCALE, SandboxSettings
from canvasframe.sandbox.page_view_views import POLL_COST, QUERY_COST, RESULTS_COST, list_cost

UTC = timezone.utc


def _course(institution):
    return next(c for c in institution.courses.values() if len(c.enrollments) > 3)


def _server(make_server, **service):
    server = make_server(settings=SandboxSettings(page_view_cost_scale=SAMPLE_COST_SCALE, page_view_duplicates=True))
    for name, value in service.items():
        setattr(server.page_views, name, value)
    return server


def _load(canvas, course_id, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        return cf.load_page_view_log(course_id, canvas=canvas, progress=False, **options)


COMPARED = ["student_id", "request_id", "created_at", "participated", "user_request", "real_user_id", "source"]


def _expected(server, course_id, students, start=None, end=None, only_course=True):
    """The rows the loader must return, from the sandbox's log: each request once, in the range, by route."""
    now = server.page_views.clock()
    current = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    oldest = current.replace(year=current.year - 1)
    first = max(start or oldest, oldest)
    last = min(end or now, now)
    rows = []
    for student in students:
        for row in server.page_views.log(student):
            if only_course and not (row.context_type == "Course" and row.context_id == course_id):
                continue
            if first <= row.created_at < last:
                rows.append(
                    {
                        "student_id": student,
                        "request_id": row.request_id,
                        "created_at": pd.Timestamp(row.created_at),
                        "participated": row.participated,
                        "user_request": row.user_request,
                        "real_user_id": row.real_user_id,
                        "source": "list" if row.created_at >= current else "history",
                    }
                )
    frame = pd.DataFrame(rows, columns=COMPARED).sort_values(
        ["student_id", "created_at", "request_id"], ignore_index=True
    )
    return frame.astype(
        {
            "created_at": "datetime64[us, UTC]",
            "participated": "boolean",
            "user_request": "boolean",
            "real_user_id": "Int64",
            "request_id": "str",
            "source": "str",
        }
    )


def _compare(log, expected):
    got = log.sort_values(["student_id", "created_at", "request_id"], ignore_index=True)[COMPARED]
    pd.testing.assert_frame_equal(got, expected[COMPARED], check_dtype=False)


def test_sandbox_log_counts_are_analytics_hourly_page_views(sandbox, institution):
    """Analytics' rule: every request in the course context, AJAX and masquerade included, by hour."""
    course = _course(institution)
    for student, enrollment in list(course.enrollments.items())[:6]:
        log = sandbox.page_views.log(student)
        counted = Counter(
            int(r.created_at.timestamp()) // 3600 * 3600
            for r in log
            if r.context_type == "Course" and r.context_id == course.id
        )
        assert counted == dict(zip(enrollment.hours.tolist(), enrollment.views.tolist(), strict=True))
        assert any(not r.user_request for r in log) and any(r.context_type == "User" for r in log)


def test_log_is_every_request_of_the_course_once_each_route_named(make_server, connect, institution):
    server = _server(make_server)
    course = _course(institution)
    students = sorted(course.enrollments)[:4]
    log = _load(connect(server), course.id, student_id=students)
    _compare(log, _expected(server, course.id, students))
    assert set(log["source"]) == {"history", "list"}
    assert log["course_id"].eq(course.id).all()
    duplicated = [r for s in students for r in server.page_views.log(s) if r.duplicated]
    assert duplicated  # the service sent some twice; the frame has each once (compared above)


def test_one_history_query_per_student_spans_every_month_and_past_months_are_never_asked_again(
    make_server, connect, institution
):
    server = _server(make_server)
    course = _course(institution)
    students = sorted(course.enrollments)[:3]
    canvas = connect(server)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    _load(canvas, course.id, student_id=students, start=start)
    now = server.page_views.clock()
    current = now.replace(day=1).strftime("%Y-%m-%d")
    queries = [q for q in server.page_views.queries.values()]
    assert sorted(q.user_id for q in queries) == students  # one each
    assert {(q.start.strftime("%Y-%m-%d"), q.end.strftime("%Y-%m-%d")) for q in queries} == {("2026-07-01", current)}
    server.clear_log()
    again = _load(canvas, course.id, student_id=students, start=start, refresh=True)
    assert len(server.page_views.queries) == len(students)  # no new query: past months are kept
    assert not [p for p in server.request_log if "/query" in p]
    assert any(p.endswith("/page_views") for p in server.request_log)  # the current month is read again
    _compare(again, _expected(server, course.id, students, start=start))


def test_widening_start_asks_only_for_the_months_added(make_server, connect, institution):
    server = _server(make_server)
    course = _course(institution)
    student = sorted(course.enrollments)[0]
    canvas = connect(server)
    _load(canvas, course.id, student_id=student, start=datetime(2026, 9, 1, tzinfo=UTC))
    _load(canvas, course.id, student_id=student, start=datetime(2026, 6, 15, tzinfo=UTC))
    spans = [(q.start.strftime("%Y-%m"), q.end.strftime("%Y-%m")) for q in server.page_views.queries.values()]
    assert spans[1] == ("2026-06", "2026-09")


def test_a_month_rolling_over_queries_only_the_new_month(make_server, connect, institution):
    server = _server(make_server)
    course = _course(institution)
    student = sorted(course.enrollments)[0]
    canvas = connect(server)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    _load(canvas, course.id, student_id=student, start=start)
    before = server.page_views.clock()
    server.page_views.now = datetime(before.year + (before.month == 12), before.month % 12 + 1, 3, tzinfo=UTC)
    log = _load(canvas, course.id, student_id=student, start=start)
    newest = list(server.page_views.queries.values())[-1]
    assert (newest.start, newest.end) == (before.replace(day=1, hour=0), server.page_views.now.replace(day=1))
    _compare(log, _expected(server, course.id, [student], start=start))


def test_what_no_route_serves_is_a_gap_with_a_warning(make_server, connect, institution):
    server = _server(make_server, now=datetime(2026, 12, 31, 12, tzinfo=UTC))
    course = _course(institution)
    student = sorted(course.enrollments)[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = cf.load_page_view_log(
            course.id,
            student_id=student,
            start=datetime(2025, 6, 1, tzinfo=UTC),
            canvas=connect(server),
            progress=False,
        )
    said = [str(w.message) for w in caught]
    assert any("older than the list's 30 days" in text for text in said)
    assert any("older than the 12 months" in text for text in said)
    reasons = [why for _, _, why in log.attrs["page_view_log_gaps"]]
    assert any("12 months" in why for why in reasons) and any("30 days" in why for why in reasons)


@pytest.mark.parametrize("auth_401", [False, True])
def test_a_student_the_token_may_not_read_is_named(make_server, connect, institution, auth_401):
    course = _course(institution)
    student = sorted(course.enrollments)[1]
    server = _server(make_server, unreadable={student}, auth_401=auth_401)
    with pytest.raises(cf.PermissionDenied, match=f"student {student}"):
        _load(connect(server), course.id, student_id=student)


def test_a_failed_history_query_names_the_student_and_the_months(make_server, connect, institution):
    course = _course(institution)
    student = sorted(course.enrollments)[2]
    server = _server(make_server, failing={student})
    with pytest.raises(cf.ServerError, match=rf"student {student} \(20"):
        _load(connect(server), course.id, student_id=student)


def test_a_gzipped_csv_the_service_chose_gives_the_same_rows_without_app_or_session(make_server, connect, institution):
    course = _course(institution)
    students = sorted(course.enrollments)[:3]
    plain, odd = _server(make_server), _server(make_server, served_format="csv", gzip_results=True)
    expected = _load(connect(plain), course.id, student_id=students)
    got = _load(connect(odd), course.id, student_id=students)
    history = got["source"] == "history"
    assert got.loc[history, ["app_name", "session_id"]].isna().all().all()  # the CSV has neither
    assert expected.loc[expected["source"] == "history", "session_id"].notna().any()
    same = [c for c in got.columns if c not in ("app_name", "session_id")]
    pd.testing.assert_frame_equal(got[same], expected[same])
    assert got["user_agent"].str.contains('"quoted", with a comma', regex=False).any()  # survived the CSV


def test_a_range_without_requests_is_a_204_and_stays_cached(make_server, connect, institution):
    server = _server(make_server)
    course = _course(institution)
    student = sorted(course.enrollments)[0]
    canvas = connect(server)
    quiet = {"start": datetime(2026, 4, 1, tzinfo=UTC), "end": datetime(2026, 5, 1, tzinfo=UTC)}
    expected = _expected(server, course.id, [student], **quiet)
    assert expected.empty  # the fall course's students were quiet that month
    assert _load(canvas, course.id, student_id=student, **quiet).empty
    _load(canvas, course.id, student_id=student, **quiet)
    assert len(server.page_views.queries) == 1


def test_the_page_view_services_own_429_is_waited_out(make_server, connect, institution):
    server = _server(make_server)
    server.faults.script(r"/page_views", "page-views-429", times=3)
    course = _course(institution)
    students = sorted(course.enrollments)[:2]
    _compare(_load(connect(server), course.id, student_id=students), _expected(server, course.id, students))
    assert [kind for kind, _ in server.faults.fired] == ["page-views-429"] * 3


def test_the_whole_log_keeps_other_contexts_with_their_course_where_known(make_server, connect, institution):
    server = _server(make_server)
    course = _course(institution)
    student = sorted(course.enrollments)[0]
    log = _load(connect(server), course.id, student_id=student, only_course=False)
    _compare(log, _expected(server, course.id, [student], only_course=False))
    dashboard = log[log["context_type"] == "User"]
    assert len(dashboard) and dashboard["course_id"].isna().all() and dashboard["context_id"].eq(student).all()


def test_canvas_costs_per_action(make_server, institution):
    """At Canvas's own costs (scale 1), each action's X-Request-Cost is what the newest controller charges."""
    import requests

    server = make_server(settings=SandboxSettings())  # Canvas's own costs
    student = sorted(_course(institution).enrollments)[0]
    auth = {"Authorization": f"Bearer {server.token}"}
    base = f"{server.url}/api/v1/users/{student}/page_views"
    page = requests.get(base, params={"per_page": 193}, headers=auth, timeout=10)
    created = requests.post(f"{base}/query", data={"start_date": "2026-08-01", "end_date": "2026-09-01"}, headers=auth)
    poll = requests.get(server.url + created.json()["poll_url"], headers=auth, timeout=10)
    assert [float(r.headers["X-Request-Cost"]) for r in (page, created, poll)] == [
        list_cost(193),
        QUERY_COST,
        POLL_COST,
    ]
    assert list_cost(193) == 28.0 and RESULTS_COST == 50.0


def test_pseudonymize_hashes_devices_and_drops_urls(make_server, connect, institution):
    server = _server(make_server)
    course = _course(institution)
    log = _load(connect(server), course.id, student_id=sorted(course.enrollments)[:3], only_course=False)
    shared = cf.pseudonymize(log, "a-pseudonymisation-key-of-32-chars!")
    assert "url" not in shared
    for column in ("user_agent", "remote_ip", "session_id"):
        assert not set(shared[column].dropna()) & set(log[column].dropna()), column
        assert shared[column].nunique() == log[column].nunique(), column  # one device stays one value
    users = log["context_type"] == "User"
    assert not set(shared.loc[users, "context_id"]) & set(log["student_id"])
    assert shared.loc[~users, "context_id"].equals(log.loc[~users, "context_id"])  # courses stay courses


def test_due_date_bursts_add_views_before_deadlines_only_and_the_log_still_matches():
    """Cramming: more page views in the 36 hours before each due date; every other hour and draw as it was."""
    from dataclasses import replace

    from canvasframe.sandbox import Config, Institution
    from canvasframe.sandbox.clickstream import user_log

    calm = Institution(Config(seed=9, subaccounts=1, courses_per_subaccount=1, students_per_course=8, weeks=6))
    busy = Institution(replace(calm.config, due_bursts=2.0))
    course = next(c for c in calm.courses.values() if c.enrollments)
    crammed = busy.courses[course.id]
    dues = [int(a.due_at.timestamp()) // 3600 * 3600 for a in course.assignments if a.due_at]
    window = {due - k * 3600 for due in dues for k in range(1, 37)}
    more = 0
    for student, before in course.enrollments.items():
        after = crammed.enrollments[student]
        old = dict(zip(before.hours.tolist(), before.views.tolist(), strict=True))
        new = dict(zip(after.hours.tolist(), after.views.tolist(), strict=True))
        assert {h: v for h, v in new.items() if h not in window} == {h: v for h, v in old.items() if h not in window}
        assert all(new.get(h, 0) >= old.get(h, 0) for h in window)
        more += sum(new.values()) - sum(old.values())
        assert after.participations == before.participations and after.submissions == before.submissions
        counted = Counter(
            int(r.created_at.timestamp()) // 3600 * 3600
            for r in user_log(busy, student, "https://x.test")
            if r.context_id == course.id and r.context_type == "Course"
        )
        assert counted == new
    assert more > 0
    assert sum(crammed.category_views.values()) == sum(int(e.views.sum()) for e in crammed.enrollments.values())


def test_a_list_page_is_asked_at_the_largest_size_of_the_cheapest_price_for_its_rows():
    """Computed here in exact fractions: a page of s rows costs ceil(s × 0.0723) × 2 units."""
    import math
    from fractions import Fraction

    from canvasframe._page_view_log import page_size_for

    def price(size: int) -> int:
        return math.ceil(size * Fraction(723, 10_000))

    for rows in [0, 0.5, *range(1, 260)]:
        needed = max(1, min(math.ceil(rows), 200))
        cheapest = min(price(s) for s in range(needed, 201))
        assert page_size_for(rows) == max(s for s in range(needed, 201) if price(s) == cheapest), rows


def test_the_rows_still_to_read_follow_the_rate_of_those_read():
    from canvasframe._page_view_log import _remaining_rows

    now = datetime(2026, 9, 10, 12, tzinfo=timezone.utc)
    since = datetime(2026, 9, 10, 9, tzinfo=timezone.utc)
    read = [{"created_at": f"2026-09-10T{h}:00:00Z"} for h in (12, 11, 11)]  # newest first; one hour read
    assert _remaining_rows(read, since, now, 99.0) == 3 * 2  # three rows an hour, two hours left
    assert _remaining_rows([], since, now, 99.0) == 99.0  # nothing read yet: what was expected
    assert _remaining_rows(read[:1], since, now, 99.0) is None  # no span read: no rate
    assert _remaining_rows([*read, "not a row"], since, now, 99.0) is None
    assert _remaining_rows([*read, {"created_at": None}], since, now, 99.0) is None
    assert _remaining_rows(read, datetime(2026, 9, 10, 11, 30, tzinfo=timezone.utc), now, 99.0) == 0.0


@pytest.mark.parametrize(
    ("error", "explained_as", "advice"),
    [
        (cf.ServerError(500, "https://c.test/api/v1/users/7/page_views", "boom", 42), cf.ServerError, None),
        (cf.AuthenticationError(401, "https://c.test/x", "user not authorized to perform that action"),
         cf.PermissionDenied, "admin"),  # Canvas's 401 about the user is a refusal, not a bad token
        (cf.AuthenticationError(401, "https://c.test/x", "Invalid access token."), cf.AuthenticationError, None),
        (cf.PermissionDenied(403, "https://c.test/x"), cf.PermissionDenied, "admin"),
        (cf.NotFound(404, "https://c.test/x", "user not authorized to perform that action"), cf.NotFound, None),
    ],
)  # fmt: skip
def test_a_refused_student_is_named_with_the_months_and_the_advice_that_fits(error, explained_as, advice):
    from canvasframe._page_view_log import _explained

    error.service = "the page-view service"
    out = _explained(error, 7, "2026-01 to 2026-03")
    assert type(out) is explained_as
    assert (out.status, out.url, out.canvas_message, out.error_report_id, out.service) == (
        error.status, error.url, error.canvas_message, error.error_report_id, error.service
    )  # fmt: skip
    own = ("This token may not read that user's page views: use an admin's token, or leave the student out "
           "with student_id=[...]." if advice else explained_as.hint)  # fmt: skip
    said = f" The page-view service says: {error.canvas_message!r}." if error.canvas_message else ""
    report = " error report id 42." if error.error_report_id else ""
    assert str(out) == (
        f"HTTP {error.status} from {error.url}.{said}{report} Canvas would not give the page views of student 7 "
        f"(2026-01 to 2026-03). {own}"
    )


def test_an_error_without_a_response_is_left_as_it_is():
    from canvasframe._page_view_log import _explained

    error = cf.NetworkError(None, "https://c.test/x")
    assert _explained(error, 7, "2026-01") is error


_UTC = timezone.utc


@pytest.mark.parametrize("now", [datetime(2026, 11, 23, 15, tzinfo=_UTC), datetime(2026, 12, 31, 18, tzinfo=_UTC),
                                 datetime(2027, 3, 1, 6, tzinfo=_UTC)])  # fmt: skip
@pytest.mark.parametrize(
    ("start", "end"),
    [(None, None), (datetime(2025, 6, 1, tzinfo=_UTC), None), (datetime(2026, 8, 31, 5, tzinfo=_UTC), None),
     (datetime(2026, 2, 10, tzinfo=_UTC), datetime(2026, 5, 2, tzinfo=_UTC)), (None, datetime(2030, 1, 1, tzinfo=_UTC)),
     (datetime(2026, 12, 5, tzinfo=_UTC), None),
     (datetime(2024, 1, 1, tzinfo=_UTC), datetime(2025, 1, 1, tzinfo=_UTC))],
)  # fmt: skip
def test_the_plan_sends_each_hour_of_the_range_to_the_route_that_serves_it(start, end, now):
    """Hour by hour, from the routes' rules (shared/canvas-api.md): the history API serves whole months before
    the current one, twelve back; the list the last 30 days of the current month; the rest is a gap."""
    from datetime import timedelta

    from canvasframe._page_view_log import plan

    current = now.replace(day=1, hour=0)
    oldest = current.replace(year=current.year - 1)
    lower, upper = start or oldest, min(end or now, now)
    hours = [lower + timedelta(hours=h) for h in range(int((upper - lower).total_seconds() // 3600))]
    history = sorted({f"{t:%Y-%m}" for t in hours if oldest <= t < current})
    listed = [t for t in hours if t >= current and t >= now - timedelta(days=30)]
    unserved = [t for t in hours if t < oldest or (current <= t < now - timedelta(days=30))]
    route = plan(start, end, now)
    assert list(route.months) == history
    assert route.list_from == (listed[0] if listed else None)
    in_gaps = [t for t in hours if any(a <= t < b for a, b, _ in route.gaps)]
    assert in_gaps == unserved
    assert [why for *_, why in route.gaps] == (
        (["older than the 12 months Canvas keeps"] if any(t < oldest for t in hours) else [])
        + (["in the current month but older than the list's 30 days"] if any(t >= current for t in unserved) else [])
    )
