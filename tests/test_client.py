"""The Canvas client against real HTTP: the sandbox, and a tiny hostile server where the sandbox is too polite."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pandas.testing as pdt
import pytest

import canvasframe as cf
from canvasframe.client import Canvas
from canvasframe.sandbox import Config, FaultPlan, Institution, SandboxSettings, ThrottleConfig

from . import truth
from .conftest import TOKEN

# -- configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://canvas.example.edu",
        "https://canvas.example.edu/",
        "https://canvas.example.edu/api/v1",
        "https://canvas.example.edu/api/v1/",
    ],
)
def test_base_url_with_or_without_api_prefix(url):
    canvas = Canvas(url, "t")
    assert canvas.api_url == "https://canvas.example.edu/api/v1/"
    assert (
        canvas.url_for("courses/1/analytics/activity")
        == "https://canvas.example.edu/api/v1/courses/1/analytics/activity"
    )


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_plain_http_allowed_only_for_loopback(host):
    assert Canvas(f"http://{host}:8765", "t").root_url == f"http://{host}:8765"


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(cf.ConfigError, match=r"Refusing plain http:// to canvas.example.edu.*https://"):
        Canvas("http://canvas.example.edu", "t")


@pytest.mark.parametrize("url", ["canvas.example.edu", "ftp://canvas.example.edu", ""])
def test_bad_urls(url):
    with pytest.raises(cf.ConfigError):
        Canvas(url, "t")


def test_token_and_url_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.example.edu")
    monkeypatch.setenv("CANVAS_API_TOKEN", TOKEN)
    canvas = cf.connect()
    assert canvas.root_url == "https://canvas.example.edu"
    assert TOKEN not in repr(canvas) and "[secure]" in repr(canvas)


@pytest.mark.parametrize("value", ["12x", "\u00b2", "-4"])
def test_connect_or_sample_rejects_an_id_variable_that_is_not_an_id(monkeypatch, value):
    monkeypatch.setenv("CANVAS_COURSE_ID", value)
    with pytest.raises(cf.ConfigError, match=r"CANVAS_COURSE_ID=.* is not a Canvas id"):
        cf.connect_or_sample()


def test_missing_token_is_a_config_error():
    with pytest.raises(cf.ConfigError, match="CANVAS_API_TOKEN"):
        Canvas("https://canvas.example.edu")


def test_session_cannot_be_pickled():
    import pickle

    with pytest.raises(TypeError, match="token"):
        pickle.dumps(Canvas("https://canvas.example.edu", TOKEN))


# -- pagination, ids ----------------------------------------------------------------


@pytest.mark.parametrize("per_page", [1, 7, 10, 23, 100, 250])
def test_pagination_with_odd_page_sizes(canvas, sandbox, institution, per_page):
    course = truth.first_course(institution)
    sandbox.clear_log()
    fetched = canvas.get_paginated(f"courses/{course.id}/analytics/student_summaries", {"per_page": per_page})
    assert sorted(int(r["id"]) for r in fetched.data) == sorted(course.enrollments)
    pages = -(-len(course.enrollments) // min(per_page, 100))
    assert len(sandbox.request_log) == pages == len(fetched.urls)


def test_ids_above_2_53_survive_exactly(make_server, connect):
    big = Institution(
        Config(seed=3, subaccounts=1, courses_per_subaccount=1, students_per_course=6, weeks=3, id_base=2**53 + 10)
    )
    course = next(c for c in big.courses.values() if c.enrollments)
    canvas = connect(make_server(inst=big))
    summaries = cf.load_student_summaries(course.id, canvas=canvas)
    assert sorted(summaries["student_id"].tolist()) == sorted(course.enrollments)
    assert all(i > 2**53 for i in summaries["student_id"])
    pdt.assert_frame_equal(cf.load_student_assignments(course.id, canvas=canvas), truth.student_assignments(course))


def test_string_ids_are_requested(canvas, institution):
    course = truth.first_course(institution)
    data = canvas.get_json(f"courses/{course.id}/analytics/student_summaries").data
    assert isinstance(data[0]["id"], str)


# -- errors -------------------------------------------------------------------------


def test_401_is_an_authentication_error_with_canvas_message(sandbox):
    canvas = Canvas(sandbox.url, "wrong-token-1234567890")
    with pytest.raises(cf.AuthenticationError, match="Invalid access token") as info:
        canvas.get_json("courses/1/analytics/activity")
    assert info.value.status == 401 and info.value.canvas_message == "Invalid access token."
    assert "wrong-token-1234567890" not in str(info.value)


def test_403_without_rights_is_permission_denied(sandbox):
    canvas = Canvas(sandbox.url, "no-analytics-token")
    with pytest.raises(cf.PermissionDenied, match="not authorized"):
        canvas.get_json("courses/1/analytics/activity")


def test_404_is_not_found(canvas):
    with pytest.raises(cf.NotFound, match="does not exist") as info:
        canvas.get_json("courses/999999999/analytics/activity")
    assert info.value.status == 404


def test_500_after_retries_is_a_server_error_with_report_id(make_server, connect, institution):
    server = make_server(faults=FaultPlan().script("/analytics/activity", "500", times=None))
    canvas = connect(server, retries=2)
    with pytest.raises(cf.ServerError, match="error report id") as info:
        canvas.get_json(f"courses/{truth.first_course(institution).id}/analytics/activity")
    assert info.value.error_report_id is not None and info.value.status == 500
    assert len(server.request_log) == 3  # one try and two retries


@pytest.mark.parametrize("fault", ["500", "502", "503", "reset", "truncate", "timeout", "invalid-json"])
def test_transient_faults_are_retried_to_the_exact_frame(make_server, connect, institution, fault):
    server = make_server(faults=FaultPlan(hang=3).script("/analytics/activity", fault, times=2))
    course = truth.first_course(institution)
    frame = cf.load_course_activity(course.id, canvas=connect(server, timeout=(1, 0.5)))
    pdt.assert_frame_equal(frame, truth.course_activity(course))
    assert [k for k, _ in server.faults.fired] == [fault, fault]


def test_random_faults_across_a_fan_out_still_give_exact_data(make_server, connect, institution):
    server = make_server(faults=FaultPlan(seed=5, rates={"500": 0.1, "503": 0.05, "reset": 0.05, "truncate": 0.05}))
    course = truth.first_course(institution)
    frame = cf.load_student_assignments(course.id, canvas=connect(server, retries=8))
    pdt.assert_frame_equal(frame, truth.student_assignments(course))
    assert server.faults.fired, "the plan should have injected faults"


def test_a_refused_connection_says_so_at_once_without_retrying(transport_sleeps):
    """Nothing listens on the port: the error says "connection refused" and where, after one attempt
    (the transport never waited to retry), not six attempts later as if the network were slow."""
    canvas = Canvas("http://127.0.0.1:9", TOKEN, retries=5, backoff=0.01)
    with pytest.raises(
        cf.NetworkError, match=r"connection refused by 127\.0\.0\.1:9: is the URL right, and is Canvas running there\?"
    ) as info:
        canvas.get_json("courses/1/analytics/activity")
    assert info.value.status is None
    assert canvas.stats["requests"] == 1 and canvas.stats["retries"] == 0
    assert transport_sleeps == []


def test_html_instead_of_json_is_a_format_error(make_server, connect, institution):
    server = make_server(faults=FaultPlan().script("/analytics/activity", "html", times=None))
    with pytest.raises(cf.ResponseFormatError, match=r"not valid JSON.*Service Unavailable"):
        connect(server, retries=1).get_json(f"courses/{truth.first_course(institution).id}/analytics/activity")


def test_empty_body_is_a_format_error(make_server, connect, institution):
    server = make_server(faults=FaultPlan().script("/analytics/activity", "empty", times=None))
    with pytest.raises(cf.ResponseFormatError, match="empty"):
        connect(server).get_json(f"courses/{truth.first_course(institution).id}/analytics/activity")


# -- throttling -----------------------------------------------------------------------


@pytest.mark.parametrize("legacy", [False, True])
def test_throttled_answers_are_waited_out(make_server, connect, institution, legacy):
    kind = "403-throttle" if legacy else "429"
    server = make_server(faults=FaultPlan().script("/analytics/activity", kind, times=3))
    course = truth.first_course(institution)
    canvas = connect(server)
    pdt.assert_frame_equal(cf.load_course_activity(course.id, canvas=canvas), truth.course_activity(course))
    assert canvas.stats["throttled"] == 3


def test_endless_throttling_is_rate_limited(make_server, connect, institution):
    server = make_server(faults=FaultPlan().script("/analytics/activity", "429", times=None))
    with pytest.raises(cf.RateLimited, match="max_workers"):
        connect(server, throttle_retries=2).get_json(f"courses/{truth.first_course(institution).id}/analytics/activity")


def test_concurrent_pull_that_triggers_throttling_returns_exact_data(make_server, connect, institution):
    # A small bucket and slow requests: 16 workers started before any answer (the students are
    # named, so no student list is read first) must overrun it, and the governor must recover.
    throttle = ThrottleConfig(maximum=200, high_water=150, leak_rate=40, preflight=50)
    server = make_server(throttle=throttle, settings=SandboxSettings(server_time=0.02))
    course = truth.first_course(institution)
    canvas = connect(server, max_workers=16, throttle_retries=30)
    frame = cf.load_page_views(course.id, sorted(course.enrollments), canvas=canvas)
    pdt.assert_frame_equal(frame, truth.page_views(course))
    assert server.throttle.refused > 0 and canvas.stats["throttled"] == server.throttle.refused
    assert canvas.governor.limit < 16


def test_a_refused_request_goes_again_when_an_answer_reports_room(
    make_server, connect, institution, monkeypatch, transport_sleeps
):
    """Not after a blind backoff: room comes back when a request in flight ends, which the next answer says.

    Judged by what the transport did: it never sleeps (a blind backoff would sleep 60 to 120 s here),
    and the refused request's wait for room ended because an answer said so, not at its time limit.
    """
    server = make_server(
        faults=FaultPlan().script(r"/users/\d+/activity", "429", times=1), settings=SandboxSettings(server_time=0.05)
    )
    course = truth.first_course(institution)
    canvas = connect(server, backoff=60.0, max_backoff=60.0)
    waits: list[tuple[float, bool]] = []  # (time limit given, whether an answer's room ended the wait)
    wait_for_room = canvas.governor.wait_for_room

    def watched(timeout: float) -> bool:
        ended_by_room = wait_for_room(timeout)
        waits.append((timeout, ended_by_room))
        return ended_by_room

    monkeypatch.setattr(canvas.governor, "wait_for_room", watched)
    frame = cf.load_page_views(course.id, canvas=canvas)
    pdt.assert_frame_equal(frame, truth.page_views(course))
    assert canvas.stats["throttled"] == 1 and transport_sleeps == []
    assert len(waits) == 1 and waits[0][0] >= 60 and waits[0][1] is True  # ended by an answer, not the limit


def test_twelfth_concurrent_request_is_refused_by_the_sandbox(make_server, institution):
    """Canvas adds the pre-flight charge before it judges: 11 x 50 = 550 fit, the twelfth makes 600."""
    import requests

    # All 12 arrive while 11 run; no leak, so how far apart they arrive cannot make room for the 12th.
    server = make_server(settings=SandboxSettings(server_time=1.5), throttle=ThrottleConfig(leak_rate=0.0))
    course = truth.first_course(institution)
    url = f"{server.url}/api/v1/courses/{course.id}/analytics/activity"

    def get(_):
        return requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).status_code

    with ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(get, range(12)))
    assert statuses == [200] * 11 + [429]


def test_a_healthy_pull_is_never_refused(make_server, connect, institution):
    """With Canvas's rule and the default concurrency, a fan-out keeps within the bucket: no 429."""
    server = make_server(settings=SandboxSettings(server_time=0.05))
    canvas = connect(server)
    course = truth.first_course(institution)
    assert canvas.max_workers == 11
    cf.load_page_views(course.id, canvas=canvas)
    assert canvas.stats["throttled"] == 0 and server.throttle.refused == 0


TWO_PROCESSES = """
import sys
import canvasframe as cf
canvas = cf.Canvas(sys.argv[1], sys.argv[2], cache_dir=sys.argv[3], backoff=0.05, max_backoff=1)
print("ready", flush=True)
sys.stdin.readline()  # both start together
frame = cf.load_page_views(int(sys.argv[4]), canvas=canvas, progress=False)
print(len(frame), canvas.stats["throttled"])
"""


def test_two_processes_sharing_one_token_both_finish(make_server, institution, tmp_path):
    """One bucket, two pulls that together overrun it: they share it, and neither surfaces an error."""
    import subprocess
    import sys

    throttle = ThrottleConfig(maximum=400, high_water=300, preflight=50)  # admits 5 in flight; they want 22
    server = make_server(throttle=throttle, settings=SandboxSettings(server_time=0.05))
    a, b = [c for c in institution.courses.values() if c.enrollments][:2]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", TWO_PROCESSES, server.url, TOKEN, str(tmp_path / f"cache-{c.id}"), str(c.id)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in (a, b)
    ]
    for run in runs:
        assert run.stdout is not None and run.stdout.readline() == "ready\n"
    for run in runs:
        assert run.stdin is not None
        run.stdin.write("go\n")
        run.stdin.flush()
    results = [run.communicate(timeout=240) for run in runs]
    for run, (out, err), course in zip(runs, results, (a, b), strict=True):
        assert run.returncode == 0, err
        assert int(out.split()[0]) == len(truth.page_views(course))
    # They pulled at the same time from the one bucket: each course's requests began before the other's ended.
    order = {c.id: [i for i, path in enumerate(server.request_log) if f"/courses/{c.id}/" in path] for c in (a, b)}
    assert order[b.id][0] < order[a.id][-1] and order[a.id][0] < order[b.id][-1]
    # Whatever Canvas refused, each process saw as a refusal and sent again.
    assert sum(int(out.split()[1]) for out, _ in results) == server.throttle.refused


def test_costly_requests_that_make_the_leak_bind_surface_no_error(make_server, connect, institution):
    """Requests whose cost fills the bucket faster than it leaks: the pull slows to the leak, exactly."""
    # Scaled-down Canvas: each request costs about 0.1 units, the bucket leaks 1 unit a second and holds
    # 3 (six pre-flight charges of 0.5), so a pull of ~50 requests is bound by the leak, not concurrency.
    throttle = ThrottleConfig(maximum=4, high_water=3, leak_rate=1.0, preflight=0.5)
    server = make_server(throttle=throttle, settings=SandboxSettings(server_time=0.1))
    course = truth.first_course(institution)
    canvas = connect(server, throttle_retries=60, backoff=0.05, max_backoff=0.5)
    frame = cf.load_page_views(course.id, canvas=canvas)
    pdt.assert_frame_equal(frame, truth.page_views(course))
    assert canvas.governor.limit < canvas.max_workers  # it steered by X-Rate-Limit-Remaining, the leak bound


def test_sandbox_answers_leave_without_nagle_delay(make_server):
    """Each accepted connection has TCP_NODELAY, so a kept-alive answer is not held ~40 ms for an ACK."""
    import socket

    import requests

    server = make_server()
    seen: list[int] = []
    handler = server._httpd.RequestHandlerClass

    class Probe(handler):
        def setup(self) -> None:
            super().setup()
            seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    server._httpd.RequestHandlerClass = Probe
    with requests.Session() as session:
        for _ in range(3):
            session.get(f"{server.url}/api/v1/courses/1/analytics/activity", timeout=5)
    assert seen and all(seen)


def test_sandbox_server_time_includes_its_own_work(make_server, monkeypatch):
    """server_time is the whole request: 0.2 s of the sandbox's own work fits inside 0.3 s, not after it.

    On a clock the test drives (no wall-clock bound): the view's work moves the clock 0.2 s, and
    the sandbox must then wait out only the rest, 0.1 s, and report that wait as the cost.
    """
    import requests

    from canvasframe.sandbox import handler as handler_module

    class Clock:
        def __init__(self) -> None:
            self.now = 100.0
            self.waits: list[float] = []

        def monotonic(self) -> float:
            return self.now

        def thread_time(self) -> float:
            return 0.0  # no CPU of its own: the work is the clock's 0.2 s

        def sleep(self, seconds: float) -> None:
            self.waits.append(seconds)
            self.now += seconds

    server = make_server(settings=SandboxSettings(server_time=0.3))
    clock = Clock()
    handler = server._httpd.RequestHandlerClass

    class Slow(handler):
        def _answer(self, *args):
            clock.now += 0.2  # a slow view, as a large course's would be
            return super()._answer(*args)

    server._httpd.RequestHandlerClass = Slow
    monkeypatch.setattr(handler_module, "time", clock)
    with requests.Session() as session:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        url = f"{server.url}/api/v1/courses/{truth.first_course(server.institution).id}/analytics/activity"
        response = session.get(url, headers=headers, timeout=5)
    assert response.status_code == 200
    assert clock.waits == [pytest.approx(0.1)]  # before: 0.3, the work added to the full server time
    assert float(response.headers["X-Request-Cost"]) == pytest.approx(0.1)  # the wait, as Canvas counts


# -- pagination hazards, async -----------------------------------------------------------


class _Hostile(BaseHTTPRequestHandler):
    next_link = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps([{"id": 1}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Link", f'<{self.next_link}>; rel="next"')
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_next_link_to_another_host_is_refused(hostile):
    _Hostile.next_link = "https://evil.example.com/steal?page=2"
    canvas = Canvas(f"http://127.0.0.1:{hostile.server_address[1]}", TOKEN)
    with pytest.raises(cf.ResponseFormatError, match="another host") as info:
        canvas.get_paginated("courses/1/analytics/student_summaries")
    assert TOKEN not in str(info.value)


def test_next_link_pointing_back_is_refused(make_server, connect, institution):
    server = make_server(faults=FaultPlan().script("student_summaries", "self-link", times=None))
    with pytest.raises(cf.ResponseFormatError, match="points back"):
        course = truth.first_course(institution)
        connect(server).get_paginated(f"courses/{course.id}/analytics/student_summaries", {"per_page": 5})


def test_async_assignments_poll_the_progress_then_refetch(make_server, connect, institution):
    server = make_server(settings=SandboxSettings(async_always=True, async_polls=3))
    course = truth.first_course(institution)
    frame = cf.load_course_assignments(course.id, canvas=connect(server))
    pdt.assert_frame_equal(frame, truth.course_assignments(course))
    progress_polls = [p for p in server.request_log if "/progress/" in p]
    assert len(progress_polls) == 3


def test_failed_async_job_is_a_server_error(make_server, connect, institution):
    course = truth.first_course(institution)
    server = make_server(settings=SandboxSettings(failed_async={course.id}))
    with pytest.raises(cf.ServerError, match="background job failed"):
        cf.load_course_assignments(course.id, canvas=connect(server))


def test_fan_out_stops_at_the_first_final_failure(make_server, connect, institution):
    course = truth.first_course(institution)
    server = make_server(faults=FaultPlan().script("/users/.*/assignments", "401", times=1))
    with pytest.raises(cf.AuthenticationError):
        cf.load_student_assignments(course.id, canvas=connect(server))
    assert cf.cache.info(connect(server).cache_dir).query("frame == 'student_assignments'").empty


# -- token hygiene -------------------------------------------------------------------------


def test_token_never_appears_in_errors_logs_or_reprs(make_server, connect, institution, caplog):
    server = make_server(faults=FaultPlan().script("/analytics/activity", "500", times=None))
    canvas = connect(server, retries=1)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(cf.ServerError) as info:
        canvas.get_json(f"courses/{truth.first_course(institution).id}/analytics/activity")
    text = "".join(traceback.format_exception(info.value))
    assert "Authorization" not in caplog.text
    assert TOKEN not in text and TOKEN not in caplog.text and TOKEN not in repr(canvas)
    assert TOKEN not in canvas._repr_html_()


def test_a_session_in_a_notebook_says_where_it_is_connected_and_its_cache(canvas, institution):
    cf.load_course_activity(truth.first_course(institution).id, canvas=canvas)
    shown = canvas._repr_html_()
    entries = cf.cache.info(canvas.cache_dir)
    mine = entries[entries["namespace"] == canvas.cache_namespace]
    assert canvas.root_url in shown and "online" in shown and TOKEN not in shown
    assert f"{len(mine)} entries, {cf.cache.human_size(int(mine['bytes'].sum()))}" in shown
    offline = cf.Canvas(canvas.root_url, TOKEN, cache_dir=canvas.cache_dir, offline=True)
    assert "offline: cache only" in offline._repr_html_()
    listing = entries._repr_html_()
    assert f"{len(entries)} entries" in listing and str(canvas.cache_dir) in listing
    assert type(entries[entries["rows"] > 0]) is pd.DataFrame  # what is derived from it is plain pandas
    assert "synthetic" in cf.sample(quiet=True)._repr_html_()


def test_a_token_in_the_url_is_refused_and_masked(canvas, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    sandbox.clear_log()
    with pytest.raises(cf.ConfigError, match=r"access_token=\[secure\]") as info:
        canvas.get_json(f"courses/1/analytics/activity?access_token={TOKEN}")
    assert TOKEN not in "".join(traceback.format_exception(info.value)) and TOKEN not in caplog.text
    assert sandbox.request_log == []


def test_a_netrc_entry_for_the_host_does_not_replace_the_token(
    make_server, connect, institution, tmp_path, monkeypatch
):
    """requests would send Basic auth from ~/.netrc instead of the Bearer token; the session reads no netrc."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password something\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    course = truth.first_course(institution)
    frame = cf.load_course_activity(course.id, canvas=connect(make_server()))
    pdt.assert_frame_equal(frame, truth.course_activity(course))


def test_proxy_settings_from_the_environment_are_honoured(make_server, connect, institution, monkeypatch):
    server = make_server()
    course = truth.first_course(institution)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(cf.NetworkError):
        connect(server, retries=0).get_json(f"courses/{course.id}/analytics/activity")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    pdt.assert_frame_equal(cf.load_course_activity(course.id, canvas=connect(server)), truth.course_activity(course))
