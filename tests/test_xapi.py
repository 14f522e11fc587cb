"""xAPI: files and LRS into frames, durations, page views, and statements sent to Canvas's callback."""

from __future__ import annotations

import json
import re
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
import requests
from requests_oauthlib import OAuth1

import canvasframe as cf
from canvasframe import xapi
from canvasframe.sandbox import Institution
from canvasframe.schemas import SCHEMAS

from .conftest import TEST_CONFIG

DATA = Path(__file__).resolve().parent.parent / "data" / "xapi"
BAD = 3  # malformed statements in the sample files (a fourth only has an offset)


def _read(source, **kw):
    with pytest.warns(cf.CanvasframeWarning, match=f"{BAD} invalid"):
        return xapi.read_statements(source, **kw)


def test_json_jsonl_and_lists_give_the_same_frame():
    from_json = _read(DATA / "statements.json")
    pdt.assert_frame_equal(_read(DATA / "statements.jsonl"), from_json)
    raw = json.loads((DATA / "statements.json").read_text())["statements"]
    pdt.assert_frame_equal(_read(raw), from_json)
    pdt.assert_frame_equal(_read(str(DATA / "statements.json")), from_json)
    assert list(from_json.columns) == [f.name for f in SCHEMAS["xapi_statements"]]
    assert from_json.dtypes["result_duration"] == "timedelta64[ns]"
    assert len(from_json) == len(raw)


@pytest.mark.parametrize(
    ("text", "timestamp", "expected"),
    [
        ("PT4H35M59.14S", None, timedelta(hours=4, minutes=35, seconds=59.14)),
        ("P4W", None, timedelta(weeks=4)),
        ("P1DT2H", None, timedelta(days=1, hours=2)),
        ("PT0.01S", None, timedelta(milliseconds=10)),
        ("P1M", "2026-02-01T00:00:00Z", timedelta(days=28)),
        ("P1M", "2026-01-31T00:00:00Z", timedelta(days=28)),  # 31 Jan + 1 month = 28 Feb
        ("P1Y", "2028-01-01T00:00:00Z", timedelta(days=366)),
        ("P1Y", None, timedelta(days=365.2425)),
        (
            "P3Y1M29DT4H35M59.14S",
            "2026-01-01T00:00:00Z",
            datetime(2029, 3, 2, 4, 35, 59, 140000) - datetime(2026, 1, 1),
        ),
    ],
)
def test_durations(text, timestamp, expected):
    stmt = xapi.statement("a@example.edu", "experienced", "https://x.test/p", duration=text, timestamp=timestamp)
    frame = xapi.read_statements([stmt])
    assert frame.loc[0, "result_duration"] == pd.Timedelta(expected)
    assert frame.loc[0, "canvas_duration"] == min(pd.Timedelta(expected), pd.Timedelta(minutes=5))


def test_canvas_duration_defaults_to_5_seconds_and_caps_at_5_minutes():
    make = xapi.statement
    frame = xapi.read_statements(
        [
            make("a@x.test", "experienced", "https://x.test/1"),
            make("a@x.test", "experienced", "https://x.test/2", duration="PT45S"),
            make("a@x.test", "experienced", "https://x.test/3", duration="PT12M"),
        ]
    )
    assert frame["canvas_duration"].tolist() == [
        pd.Timedelta(seconds=5),
        pd.Timedelta(seconds=45),
        pd.Timedelta(minutes=5),
    ]
    assert pd.isna(frame.loc[0, "result_duration"])


def test_invalid_values_become_nat_with_one_warning_or_raise_when_strict():
    frame = _read(DATA / "statements.json")
    bad = frame[frame["statement_id"].str.startswith("00000000")].set_index("statement_id")
    assert pd.isna(bad.loc["00000000-0000-4000-8000-000000000000", "result_duration"])
    assert pd.isna(bad.loc["00000000-0000-4000-8000-000000000001", "timestamp"])
    assert pd.isna(bad.loc["00000000-0000-4000-8000-000000000002", "result_duration"])  # negative
    assert bad.loc["00000000-0000-4000-8000-000000000003", "timestamp"] == pd.Timestamp("2026-09-05T08:00Z")
    with pytest.raises(cf.ResponseFormatError, match="statement 00000000-0000-4000-8000-000000000000"):
        xapi.read_statements(DATA / "statements.json", strict=True)


def test_actor_verb_and_object_fields():
    frame = _read(DATA / "statements.json")
    first = frame.iloc[0]
    assert first["verb"] == "completed"  # en-US chosen over de-DE
    assert first["actor_account_name"].isdigit() and first["actor_account_home_page"].startswith("https://")
    assert bool(first["result_success"]) and first["result_score_scaled"] == 0.8
    assert first["object_type"] == "http://activitystrea.ms/schema/1.0/page"


def test_to_page_views_counts_statements_per_actor_and_hour():
    frame = _read(DATA / "statements.json")
    pv = xapi.to_page_views(frame)
    assert list(pv.columns) == [f.name for f in SCHEMAS["page_views"]]
    timed = frame.dropna(subset=["timestamp"])
    assert pv["views"].sum() == len(timed)
    expected = timed.groupby([timed["actor_account_name"].astype(int), timed["timestamp"].dt.floor("h")]).size()
    assert pv.set_index(["student_id", "hour"])["views"].to_dict() == expected.to_dict()
    ax = cf.plots.plot_page_view_heatmap(pv, tz="America/Chicago")  # the same plots work on xAPI data
    assert ax.images[0].get_array().sum() == len(timed)


def test_to_page_views_needs_ids_it_cannot_guess():
    frame = xapi.read_statements(
        [xapi.statement("ada@x.test", "experienced", "https://x.test/page", timestamp="2026-09-01T10:15:00Z")]
    )
    with pytest.raises(cf.ConfigError, match="course_id="):
        xapi.to_page_views(frame)
    with pytest.raises(cf.ConfigError, match="student_ids="):
        xapi.to_page_views(frame, course_id=7)
    pv = xapi.to_page_views(frame, course_id=7, student_ids={"mailto:ada@x.test": 42})
    assert pv[["course_id", "student_id", "views"]].values.tolist() == [[7, 42, 1]]


def test_to_page_views_does_not_read_unicode_digits_as_a_user_id():
    frame = xapi.read_statements(
        [
            xapi.statement(
                {"objectType": "Agent", "account": {"homePage": "https://x.test", "name": "\u00b2"}},
                "experienced",
                "https://x.test/courses/7/page",
                timestamp="2026-09-01T10:15:00Z",
            )
        ]
    )
    assert frame["actor_account_name"].tolist() == ["\u00b2"]
    with pytest.raises(cf.ConfigError, match="student_ids="):
        xapi.to_page_views(frame)


# -- LRS over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def lrs_server(make_server):
    server = make_server()
    server.xapi.page_size = 25
    raw = json.loads((DATA / "statements.json").read_text())["statements"]
    response = requests.post(
        f"{server.url}/xapi/statements",
        json=raw,
        auth=server.xapi.lrs_auth,
        headers={"X-Experience-API-Version": "1.0.3"},
        timeout=10,
    )
    assert response.status_code == 200
    return server


def test_lrs_is_read_page_by_page(lrs_server):
    lrs = xapi.LRS(f"{lrs_server.url}/xapi", auth=lrs_server.xapi.lrs_auth)
    lrs_server.clear_log()
    frame = _read(lrs)
    assert lrs_server.request_log.count("/xapi/statements") == -(-124 // 25)
    from_file = _read(DATA / "statements.json")
    pdt.assert_frame_equal(
        frame.sort_values("statement_id", ignore_index=True), from_file.sort_values("statement_id", ignore_index=True)
    )


def test_lrs_filters_are_passed_through(lrs_server):
    lrs = xapi.LRS(f"{lrs_server.url}/xapi", auth=lrs_server.xapi.lrs_auth)
    with pytest.warns(cf.CanvasframeWarning, match="1 invalid"):  # one malformed statement is a "completed"
        completed = xapi.read_statements(lrs, verb="http://adlnet.gov/expapi/verbs/completed")
    assert len(completed) == 13 and set(completed["verb"]) == {"completed"}
    agent = {"account": {"homePage": "https://sandbox.canvasframe.test", "name": "1005"}}
    syllabus = "https://sandbox.canvasframe.test/courses/1078/pages/syllabus"
    with warnings.catch_warnings():  # whether a malformed copy matches is beside the point here
        warnings.simplefilter("ignore", cf.CanvasframeWarning)
        mine = xapi.read_statements(lrs, agent=agent, activity=syllabus)
    assert len(mine) > 0 and set(mine["actor_account_name"]) == {"1005"}
    assert set(mine["object_id"]) == {syllabus}


def test_lrs_requires_the_version_header_and_credentials(lrs_server):
    plain = requests.get(f"{lrs_server.url}/xapi/statements", auth=lrs_server.xapi.lrs_auth, timeout=10)
    assert plain.status_code == 400
    with pytest.raises(cf.AuthenticationError):
        xapi.read_statements(xapi.LRS(f"{lrs_server.url}/xapi", auth=("lrs-key", "wrong")))
    assert "wrong" not in repr(xapi.LRS(f"{lrs_server.url}/xapi", auth=("lrs-key", "wrong")))


# -- sending to Canvas ---------------------------------------------------------------------------------


@pytest.fixture
def callback(make_server, connect):
    """A private institution (the callback adds page views to it), a student and their callback URL."""
    server = make_server(inst=Institution(TEST_CONFIG))
    course = next(c for c in server.institution.courses.values() if c.enrollments)
    student = sorted(course.enrollments)[0]
    return server, connect(server), course.id, student, server.xapi_callback_url(course.id, student)


def test_a_sent_statement_round_trips_into_page_views(callback):
    server, canvas, course_id, student, url = callback
    when = datetime(2026, 10, 14, 3, 25, tzinfo=timezone.utc)  # 03:00 UTC: a quiet hour
    before = cf.load_page_views(course_id, student, canvas=canvas)
    hour = pd.Timestamp("2026-10-14T03:00Z")
    count_before = int(before.loc[before["hour"] == hour, "views"].sum())
    stmt = xapi.statement(
        f"student{student}@x.test",
        "experienced",
        f"{server.url}/courses/{course_id}/pages/intro",
        duration="PT12M",
        timestamp=when,
    )
    xapi.send_to_canvas(url, stmt, server.xapi.consumer_key, server.xapi.shared_secret)
    after = cf.load_page_views(course_id, student, canvas=canvas, refresh=True)
    assert int(after.loc[after["hour"] == hour, "views"].sum()) == count_before + 1
    assert after["views"].sum() == before["views"].sum() + 1
    assert server.xapi.recorded[-1]["seconds"] == 300  # capped at 5 minutes


def test_a_bad_signature_is_refused(callback):
    server, _, _, _, url = callback
    stmt = xapi.statement("a@x.test", "experienced", "https://x.test/p")
    with pytest.raises(cf.AuthenticationError, match=r"invalid OAuth signature.*shared secret"):
        xapi.send_to_canvas(url, stmt, server.xapi.consumer_key, "not-the-secret")
    assert server.xapi.recorded == []


def _signed_post(url, body, key, secret, **oauth):
    auth = OAuth1(key, secret, force_include_body=True, **oauth)
    return requests.post(url, data=body, auth=auth, headers={"Content-Type": "application/json"}, timeout=10)


def test_reused_nonce_old_timestamp_and_wrong_content_type_are_refused(callback):
    server, _, _, _, url = callback
    key, secret = server.xapi.consumer_key, server.xapi.shared_secret
    body = json.dumps(xapi.statement("a@x.test", "experienced", "https://x.test/p"))
    assert _signed_post(url, body, key, secret, nonce="n-1").status_code == 200
    replay = _signed_post(url, body, key, secret, nonce="n-1")
    assert replay.status_code == 401 and "nonce" in replay.text
    old = _signed_post(url, body, key, secret, timestamp=str(int(time.time()) - 2 * 3600))
    assert old.status_code == 401 and "timestamp" in old.text
    form = requests.post(url, data=body, auth=OAuth1(key, secret), timeout=10, headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    assert len(server.xapi.recorded) == 1


def test_invalid_statements_are_not_sent(callback):
    server, _, _, _, url = callback
    server.clear_log()
    with pytest.raises(cf.ConfigError, match=r"verb.id is missing.*object.id is missing"):
        xapi.send_to_canvas(url, {"actor": {"mbox": "mailto:a@x.test"}}, "k", "s")
    with pytest.raises(cf.ConfigError, match="ISO 8601"):
        xapi.statement("a@x.test", "experienced", "https://x.test/p", duration="five minutes")
    with pytest.raises(cf.ConfigError, match="https"):
        xapi.send_to_canvas(
            "http://canvas.example.edu/api/lti/v1/xapi/x",
            xapi.statement("a@x.test", "experienced", "https://x.test/p"),
            "k",
            "s",
        )
    assert server.request_log == []


def test_non_text_values_in_text_fields_are_kept_as_json():
    # Found by tests/test_properties.py: a boolean id used to crash the Arrow conversion.
    frame = xapi.read_statements(
        [
            {
                "id": False,
                "actor": {"name": 12, "mbox": "mailto:a@x.test"},
                "verb": {"id": ["x"]},
                "object": {"id": "https://x.test/p"},
            }
        ]
    )
    assert frame.loc[0, "statement_id"] == "false" and frame.loc[0, "actor_name"] == "12"
    assert frame.loc[0, "verb_id"] == '["x"]'


def test_a_401_in_the_lti_error_shape_is_an_authentication_error():
    # send_to_canvas used to read errors[0] by hand and crashed with KeyError on {"errors": {...}}.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Refuse(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"errors": {"type": "unauthorized", "message": "Invalid signature"}}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/lti/v1/xapi/token"
        stmt = xapi.statement("a@x.test", "experienced", "https://x.test/p")
        with pytest.raises(cf.AuthenticationError, match=r"Invalid signature.*shared secret"):
            xapi.send_to_canvas(url, stmt, "key", "secret")
    finally:
        server.shutdown()
        server.server_close()


# -- files as they come ------------------------------------------------------------------------


def test_a_file_of_one_statement_reads_as_one_row():
    frame = xapi.read_statements(DATA / "single-statement.json")
    one = json.loads((DATA / "single-statement.json").read_text())
    pdt.assert_frame_equal(frame, xapi.read_statements([one]))
    assert len(frame) == 1 and frame.loc[0, "verb"] == "completed" and frame.loc[0, "result_score_scaled"] == 0.85


def test_a_saved_lrs_page_reads_with_its_more_link_ignored():
    frame = xapi.read_statements(DATA / "lrs-page.json")
    page = json.loads((DATA / "lrs-page.json").read_text())
    pdt.assert_frame_equal(frame, xapi.read_statements(page["statements"]))
    assert frame["timestamp"].tolist() == [pd.Timestamp("2026-10-01T06:15Z"), pd.Timestamp("2026-10-01T09:00Z")]
    assert frame.loc[1, "verb"] == "answered"  # the only language given


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("broken.jsonl", '{"id": "a"}\n\n{not json\n', "line 3 is not JSON"),
        ("numbers.json", "[{}, 7]", "statement at index 1 is int, not an object"),
        ("scalar.json", "42", "the JSON is int, not statements"),
        ("text.json", "not json at all", "not JSON"),
        ("latin1.json", b"[\xe9]", "not UTF-8"),
    ],
)
def test_errors_about_a_file_name_it_and_the_place(tmp_path, name, content, where):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(cf.FileFormatError, match=re.escape(where)) as info:
        xapi.read_statements(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "xAPI statements" in message
    assert "Canvas" not in message and "proxy" not in message


def test_strict_errors_about_a_file_name_the_line(tmp_path):
    path = tmp_path / "statements.jsonl"
    good = xapi.statement("a@x.test", "experienced", "https://x.test/p", timestamp="2026-10-01T09:00:00Z")
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"id": None, "timestamp": "yesterday"}) + "\n")
    with pytest.raises(cf.FileFormatError, match=r"statement on line 2: invalid timestamp") as info:
        xapi.read_statements(path, strict=True)
    assert "Canvas" not in str(info.value)


def test_an_lrs_refusal_speaks_of_the_lrs_not_canvas(lrs_server):
    """Every HTTP error names the service that answered, and its advice fits that service."""
    with pytest.raises(cf.AuthenticationError) as caught:
        xapi.read_statements(xapi.LRS(f"{lrs_server.url}/xapi", auth=("lrs-key", "wrong")))
    error = caught.value
    assert error.service == "the LRS" and error.status == 401
    assert "Canvas" not in str(error) and "auth= to cf.xapi.LRS" in str(error)
    from canvasframe._http import RetryPolicy

    closed = xapi.LRS("http://127.0.0.1:9/xapi", auth=lrs_server.xapi.lrs_auth, policy=RetryPolicy(retries=0))
    with pytest.raises(cf.NetworkError) as unreachable:
        xapi.read_statements(closed)
    assert unreachable.value.service == "the LRS" and "LRS endpoint URL" in str(unreachable.value)
    assert "Canvas" not in str(unreachable.value)
