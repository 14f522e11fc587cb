"""One HTTP layer: Canvas, the LRS reader, the LTI token exchange and the xAPI send retry the same
faults the same way, and refuse plain http:// to a remote host the same way (real HTTP, sandbox)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas.testing as pdt
import pytest
import requests

import canvasframe as cf
from canvasframe import xapi
from canvasframe._http import RetryPolicy
from canvasframe.lti import ClientCredentials
from canvasframe.sandbox import FaultPlan, Institution

from .conftest import TEST_CONFIG

STATEMENTS = Path(__file__).resolve().parent.parent / "data" / "xapi" / "statements.json"
FAST = RetryPolicy(retries=3, backoff=0.01, max_backoff=0.02)


@pytest.fixture
def server(make_server):
    """A private institution (sends add page views to it) with an LRS holding the statements file."""
    server = make_server(faults=FaultPlan(), inst=Institution(TEST_CONFIG))
    server.xapi.page_size = 25
    response = requests.post(
        f"{server.url}/xapi/statements",
        json=json.loads(STATEMENTS.read_text())["statements"],
        auth=server.xapi.lrs_auth,
        headers={"X-Experience-API-Version": "1.0.3"},
        timeout=10,
    )
    assert response.status_code == 200
    return server


def _statements(lrs: xapi.LRS):
    with pytest.warns(cf.CanvasframeWarning):  # the file holds three invalid statements on purpose
        return xapi.read_statements(lrs).sort_values("statement_id", ignore_index=True)


@pytest.mark.parametrize("fault", ["503", "reset"])
def test_an_lrs_page_recovers_from_a_fault(server, fault):
    lrs = xapi.LRS(f"{server.url}/xapi", auth=server.xapi.lrs_auth, policy=FAST)
    clean = _statements(lrs)
    server.clear_log()
    server.faults.script("/xapi/statements", fault, times=2)
    pdt.assert_frame_equal(_statements(lrs), clean)
    assert server.request_log.count("/xapi/statements") == -(-124 // 25) + 2  # each failed try was sent


@pytest.mark.parametrize("fault", ["503", "reset"])
def test_the_token_exchange_recovers_from_a_fault(server, connect, institution, fault):
    credentials = ClientCredentials(server.lti.client_id, server.lti.tool_private_key, server.url, policy=FAST)
    server.faults.script("/login/oauth2/token", fault, times=2)
    account = cf.load_account(institution.root_account.id, canvas=connect(server, token=credentials))
    assert account.loc[0, "name"] == institution.root_account.name
    assert server.request_log.count("/login/oauth2/token") == 3 and credentials.fetched == 1


def test_an_xapi_send_recovers_from_a_503_and_records_once(server):
    course = next(c for c in server.institution.courses.values() if c.enrollments)
    student = sorted(course.enrollments)[0]
    url = server.xapi_callback_url(course.id, student)
    path = url.removeprefix(server.url)
    server.faults.script(path, "503", times=2)
    stmt = xapi.statement("a@x.test", "experienced", f"https://x.test/courses/{course.id}/pages/p", duration="PT1M")
    xapi.send_to_canvas(url, stmt, *(server.xapi.consumer_key, server.xapi.shared_secret), policy=FAST)
    assert server.request_log.count(path) == 3
    assert len(server.xapi.recorded) == 1  # the two refused tries recorded nothing


def test_every_client_gives_up_after_the_same_retries(server, connect, institution):
    """A service that always fails: each client sends 1 + retries tries, then raises ServerError."""
    server.faults.script(".", "503", times=None)
    attempts = {}
    course = next(c for c in server.institution.courses.values() if c.enrollments)
    calls = {
        "canvas": lambda: connect(server, retries=FAST.retries).get_json(f"courses/{course.id}/analytics/activity"),
        "lrs": lambda: xapi.read_statements(xapi.LRS(f"{server.url}/xapi", auth=server.xapi.lrs_auth, policy=FAST)),
        "token": ClientCredentials(server.lti.client_id, server.lti.tool_private_key, server.url, policy=FAST),
        "xapi": lambda: xapi.send_to_canvas(
            server.xapi_callback_url(course.id, sorted(course.enrollments)[0]),
            xapi.statement("a@x.test", "experienced", "https://x.test/p"),
            server.xapi.consumer_key,
            server.xapi.shared_secret,
            policy=FAST,
        ),
    }
    for name, call in calls.items():
        server.clear_log()
        with pytest.raises(cf.ServerError, match="HTTP 503"):
            call()
        attempts[name] = len(server.request_log)
    assert attempts == dict.fromkeys(calls, FAST.retries + 1)


KEY = b"-----BEGIN PRIVATE KEY-----\nnot used: nothing is sent\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    "make",
    [
        lambda: cf.Canvas("http://canvas.example.edu", token="t"),
        lambda: xapi.LRS("http://lrs.example.edu/xapi", auth=("k", "s")),
        lambda: ClientCredentials("1", KEY, "http://canvas.example.edu"),
        lambda: xapi.send_to_canvas(
            "http://canvas.example.edu/api/lti/v1/xapi/abc", xapi.statement("a@x.test", "experienced", "x:y"), "k", "s"
        ),
    ],
    ids=["canvas", "lrs", "token-exchange", "xapi-send"],
)
def test_plain_http_to_a_remote_host_is_refused_the_same_way(make):
    with pytest.raises(
        cf.ConfigError, match=r"Refusing plain http:// to (canvas|lrs)\.example\.edu for .*Use https://"
    ):
        make()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "[::1]"])
def test_plain_http_to_this_machine_is_allowed(host):
    assert xapi.LRS(f"http://{host}:9/xapi").endpoint.startswith("http://")
